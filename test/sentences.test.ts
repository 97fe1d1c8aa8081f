import { describe, expect, it } from "vitest";
import { splitSentences } from "../src/text/sentences.js";

/** [input, expected sentences] */
const VIETNAMESE: Array<[string, string[]]> = [
  ["Trời mưa. Đường ngập.", ["Trời mưa.", "Đường ngập."]],
  [
    "Huyện có 36.403 lượt người tham dự. Đây là con số kỷ lục.",
    ["Huyện có 36.403 lượt người tham dự.", "Đây là con số kỷ lục."],
  ],
  [
    "Tăng trưởng đạt 3,5% trong quý. Con số này vượt kế hoạch.",
    ["Tăng trưởng đạt 3,5% trong quý.", "Con số này vượt kế hoạch."],
  ],
  [
    "Chiều ngày 29/2/2024, hội nghị khai mạc. Dự có 200 đại biểu.",
    ["Chiều ngày 29/2/2024, hội nghị khai mạc.", "Dự có 200 đại biểu."],
  ],
  [
    "Đoàn đã đến TP.HCM vào sáng nay. Chuyến đi kéo dài 3 ngày.",
    ["Đoàn đã đến TP.HCM vào sáng nay.", "Chuyến đi kéo dài 3 ngày."],
  ],
  [
    "Đoàn vừa trở về từ TP.HCM. Các em đạt 4 huy chương.",
    ["Đoàn vừa trở về từ TP.HCM.", "Các em đạt 4 huy chương."],
  ],
  [
    "PGS.TS. Nguyễn Văn An phát biểu tại hội thảo. Ông đề xuất 3 giải pháp.",
    ["PGS.TS. Nguyễn Văn An phát biểu tại hội thảo.", "Ông đề xuất 3 giải pháp."],
  ],
  [
    "GS. Trần Văn Bình là khách mời. Buổi nói chuyện thu hút đông sinh viên.",
    ["GS. Trần Văn Bình là khách mời.", "Buổi nói chuyện thu hút đông sinh viên."],
  ],
  [
    "TS. Lê Thị Cúc cho biết như vậy. Nghiên cứu sẽ công bố tháng sau.",
    ["TS. Lê Thị Cúc cho biết như vậy.", "Nghiên cứu sẽ công bố tháng sau."],
  ],
  [
    "ThS. Phạm Văn Dũng trình bày báo cáo. Hội nghị thống nhất cao.",
    ["ThS. Phạm Văn Dũng trình bày báo cáo.", "Hội nghị thống nhất cao."],
  ],
  [
    "BS. Hoàng Văn E khuyến cáo người dân. Dịch đang lan nhanh.",
    ["BS. Hoàng Văn E khuyến cáo người dân.", "Dịch đang lan nhanh."],
  ],
  ["Cửa hàng ở Q.1 đông khách. Giá bán không đổi.", ["Cửa hàng ở Q.1 đông khách.", "Giá bán không đổi."]],
  [
    "Trụ sở tại Q. Hoàn Kiếm đã sửa xong. Người dân hài lòng.",
    ["Trụ sở tại Q. Hoàn Kiếm đã sửa xong.", "Người dân hài lòng."],
  ],
  [
    "Ông Nguyễn V. A được bầu làm chủ tịch. Nhiệm kỳ kéo dài 5 năm.",
    ["Ông Nguyễn V. A được bầu làm chủ tịch.", "Nhiệm kỳ kéo dài 5 năm."],
  ],
  [
    "Xem chi tiết tại https://baohatinh.vn/tin-tuc/a.html. Bài viết được cập nhật.",
    ["Xem chi tiết tại https://baohatinh.vn/tin-tuc/a.html.", "Bài viết được cập nhật."],
  ],
  [
    "Liên hệ toasoan@baohatinh.vn để gửi tin. Chúng tôi trả lời trong ngày.",
    ["Liên hệ toasoan@baohatinh.vn để gửi tin.", "Chúng tôi trả lời trong ngày."],
  ],
  [
    "Trang www.baohatinh.vn có giao diện mới. Độc giả phản hồi tích cực.",
    ["Trang www.baohatinh.vn có giao diện mới.", "Độc giả phản hồi tích cực."],
  ],
  [
    "Huyện tập trung vào nhiều nhiệm vụ... rồi tổ chức tổng kết.",
    ["Huyện tập trung vào nhiều nhiệm vụ... rồi tổ chức tổng kết."],
  ],
  [
    "Các nhiệm vụ đã hoàn thành... Thời gian tới, huyện sẽ tiếp tục.",
    ["Các nhiệm vụ đã hoàn thành...", "Thời gian tới, huyện sẽ tiếp tục."],
  ],
  [
    "Mọi việc vẫn chưa rõ… Cơ quan chức năng đang điều tra.",
    ["Mọi việc vẫn chưa rõ…", "Cơ quan chức năng đang điều tra."],
  ],
  [
    'Ông nói: "Chúng tôi sẽ làm ngay." Sau đó ông rời đi.',
    ['Ông nói: "Chúng tôi sẽ làm ngay."', "Sau đó ông rời đi."],
  ],
  [
    "Bà Hoa chia sẻ: “Tôi rất vui.” Bà đã chờ 10 năm.",
    ["Bà Hoa chia sẻ: “Tôi rất vui.”", "Bà đã chờ 10 năm."],
  ],
  [
    "Dự án đã hoàn thành (giai đoạn 1.) Giai đoạn 2 bắt đầu năm sau.",
    ["Dự án đã hoàn thành (giai đoạn 1.)", "Giai đoạn 2 bắt đầu năm sau."],
  ],
  ["Sao lại thế? Ai chịu trách nhiệm?", ["Sao lại thế?", "Ai chịu trách nhiệm?"]],
  ['"Sao lại thế?" anh hỏi lại.', ['"Sao lại thế?" anh hỏi lại.']],
  ["Tuyệt vời! Đội tuyển đã vô địch.", ["Tuyệt vời!", "Đội tuyển đã vô địch."]],
  [
    "Giá xăng giảm 420 đồng/lít, còn 20.150 đồng/lít. Đây là lần giảm thứ ba.",
    ["Giá xăng giảm 420 đồng/lít, còn 20.150 đồng/lít.", "Đây là lần giảm thứ ba."],
  ],
  [
    "Dân số đạt 1.288.866 người vào năm 2023. Mật độ tăng nhẹ.",
    ["Dân số đạt 1.288.866 người vào năm 2023.", "Mật độ tăng nhẹ."],
  ],
  [
    "Lúc 15h30 ngày 27/11/2026, xe khách gặp nạn. Không có thương vong.",
    ["Lúc 15h30 ngày 27/11/2026, xe khách gặp nạn.", "Không có thương vong."],
  ],
  [
    "UBND tỉnh đã họp. HĐND tỉnh sẽ họp vào tuần sau.",
    ["UBND tỉnh đã họp.", "HĐND tỉnh sẽ họp vào tuần sau."],
  ],
  [
    "Theo Nghị định số 100/2019/NĐ-CP, mức phạt tăng. Người vi phạm cần lưu ý.",
    ["Theo Nghị định số 100/2019/NĐ-CP, mức phạt tăng.", "Người vi phạm cần lưu ý."],
  ],
  ["Tỷ lệ đạt 86,5%. Năm ngoái chỉ 80%.", ["Tỷ lệ đạt 86,5%.", "Năm ngoái chỉ 80%."]],
  [
    "Thị xã Hồng Lĩnh có 6 phường. TX. Kỳ Anh có 12 xã, phường.",
    ["Thị xã Hồng Lĩnh có 6 phường.", "TX. Kỳ Anh có 12 xã, phường."],
  ],
  ["Đường dài 7,2 km. Mặt đường rộng 20,5 m.", ["Đường dài 7,2 km.", "Mặt đường rộng 20,5 m."]],
  [
    "Các hoạt động văn hóa, thể thao, v.v. đều diễn ra sôi nổi.",
    ["Các hoạt động văn hóa, thể thao, v.v. đều diễn ra sôi nổi."],
  ],
  [
    "Hội nghị kết thúc.\nBuổi chiều, đoàn đi thăm mô hình.",
    ["Hội nghị kết thúc.", "Buổi chiều, đoàn đi thăm mô hình."],
  ],
  [
    "Dòng tiêu đề không có dấu chấm\nNội dung bắt đầu ở đây.",
    ["Dòng tiêu đề không có dấu chấm", "Nội dung bắt đầu ở đây."],
  ],
  [
    "Phiên bản 2.0.1 đã phát hành. Người dùng nên cập nhật.",
    ["Phiên bản 2.0.1 đã phát hành.", "Người dùng nên cập nhật."],
  ],
  [
    "NXB. Giáo dục ấn hành cuốn sách. Sách có 300 trang.",
    ["NXB. Giáo dục ấn hành cuốn sách.", "Sách có 300 trang."],
  ],
  [
    "Nhiệt độ thấp nhất 12 độ C. Vùng núi có nơi dưới 10 độ.",
    ["Nhiệt độ thấp nhất 12 độ C.", "Vùng núi có nơi dưới 10 độ."],
  ],
  [
    "Ông Trần Văn B., Chủ tịch UBND xã, cho biết như vậy.",
    ["Ông Trần Văn B., Chủ tịch UBND xã, cho biết như vậy."],
  ],
  [
    "Th.S. Lê Văn C. là trưởng đoàn. Đoàn có 8 thành viên.",
    ["Th.S. Lê Văn C. là trưởng đoàn.", "Đoàn có 8 thành viên."],
  ],
  [
    "Tổng vốn 512 tỷ đồng. Dự kiến xong trong quý IV/2028.",
    ["Tổng vốn 512 tỷ đồng.", "Dự kiến xong trong quý IV/2028."],
  ],
  ["Đêm qua mưa to.  Sáng nay trời tạnh.", ["Đêm qua mưa to.", "Sáng nay trời tạnh."]],
  ["", []],
  ["Chỉ một câu không có dấu kết thúc", ["Chỉ một câu không có dấu kết thúc"]],
  [
    'Anh ấy hỏi: "Bao giờ xong?" Chị trả lời: "Tuần sau."',
    ['Anh ấy hỏi: "Bao giờ xong?"', 'Chị trả lời: "Tuần sau."'],
  ],
  [
    "Giá vàng SJC là 85,5 triệu đồng/lượng. (Theo khảo sát lúc 9h.) Giá có thể thay đổi.",
    ["Giá vàng SJC là 85,5 triệu đồng/lượng.", "(Theo khảo sát lúc 9h.)", "Giá có thể thay đổi."],
  ],
  [
    "Nhiều tuyến đường bị ngập. - Lực lượng chức năng đã có mặt.",
    ["Nhiều tuyến đường bị ngập.", "- Lực lượng chức năng đã có mặt."],
  ],
  [
    "Đội đã thắng 2-1. Trận tiếp theo diễn ra ngày 2/12.",
    ["Đội đã thắng 2-1.", "Trận tiếp theo diễn ra ngày 2/12."],
  ],
];

const ENGLISH: Array<[string, string[]]> = [
  ["The bill passed. It takes effect in May.", ["The bill passed.", "It takes effect in May."]],
  ["Dr. Smith arrived at 5 p.m. yesterday.", ["Dr. Smith arrived at 5 p.m. yesterday."]],
  ["Mr. J. R. Tolkien wrote it. It sold well.", ["Mr. J. R. Tolkien wrote it.", "It sold well."]],
  ["Prices rose 3.5% in the U.S. economy last year.", ["Prices rose 3.5% in the U.S. economy last year."]],
  [
    "Is it true? Yes! Read more at example.com/news. Thanks.",
    ["Is it true?", "Yes!", "Read more at example.com/news.", "Thanks."],
  ],
  ['He said, "We are ready." Then he left.', ['He said, "We are ready."', "Then he left."]],
  ["Acme Inc. reported profits. Shares rose.", ["Acme Inc. reported profits.", "Shares rose."]],
  [
    "Visit https://example.com/a.b?c=1. Or email news@example.com. Done.",
    ["Visit https://example.com/a.b?c=1.", "Or email news@example.com.", "Done."],
  ],
  ["Wait... what happened? Nobody knows.", ["Wait... what happened?", "Nobody knows."]],
  ["e.g. this one is fine. And this.", ["e.g. this one is fine.", "And this."]],
];

describe("splitSentences", () => {
  it("has at least 40 Vietnamese cases", () => {
    expect(VIETNAMESE.length).toBeGreaterThanOrEqual(40);
  });
  for (const [input, expected] of VIETNAMESE) {
    it(`vi: ${input.slice(0, 60) || "(empty)"}`, () => {
      expect(splitSentences(input)).toEqual(expected);
    });
  }
  for (const [input, expected] of ENGLISH) {
    it(`en: ${input.slice(0, 60)}`, () => {
      expect(splitSentences(input)).toEqual(expected);
    });
  }
  it("works on NFD text the same as NFC once normalised", () => {
    const nfd = "Hà Tĩnh có mưa. Đường ngập.".normalize("NFD");
    expect(splitSentences(nfd.normalize("NFC"))).toEqual(["Hà Tĩnh có mưa.", "Đường ngập."]);
  });
  it("never loses or reorders text", () => {
    const text = VIETNAMESE.map(([input]) => input).join(" ");
    const joined = splitSentences(text).join(" ").replace(/\s+/g, " ");
    expect(joined).toBe(text.replace(/\s+/g, " ").trim());
  });
});

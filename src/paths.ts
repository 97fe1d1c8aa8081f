import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project folder (holding package.json), whether running from src/ via tsx or from dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** The Vietnamese sample feed used when FEEDS is empty, so a first run needs no internet. */
export const SAMPLE_FEED = join(projectRoot(), "src", "sample", "baohatinh-sample.xml");

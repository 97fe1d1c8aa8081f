/** An article after normalisation: what the store keeps and what posts are made from. */
export interface FeedItem {
  /** Stable id: the guid, else the canonical link, else a hash of title + date. */
  id: string;
  /** Name of the feed it came from (FEEDS `name=`). */
  feed: string;
  title: string;
  /** Canonical link: tracking parameters and fragment removed. */
  link?: string | undefined;
  /** Article text, NFC, paragraphs separated by a blank line. */
  text: string;
  image?: string | undefined;
  /** ISO 8601 with the offset the feed wrote, e.g. 2024-02-29T15:30:00+07:00. */
  published?: string | undefined;
  categories: string[];
  author?: string | undefined;
  /** The feed's own title, shown as the source. */
  source?: string | undefined;
}

export type { FeedItem } from "../domain/types.js";

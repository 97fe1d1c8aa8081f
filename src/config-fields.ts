import { z } from "zod";
import { parseDuration } from "./domain/time.js";

/** The field types config.ts's schema is made of. */

export const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** A duration: `90s`, `30m`, `1h`, `7d`, or a number of minutes; in milliseconds (see parseDuration). */
export const duration = (def: string, { allowZero = false } = {}) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined || (!allowZero && ms === 0)) {
        ctx.addIssue({ code: "custom", message: "must be a duration such as 30m, 1h or 7d" });
        return z.NEVER;
      }
      return ms;
    });

export const positiveInt = (def: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(1).max(max).default(def);

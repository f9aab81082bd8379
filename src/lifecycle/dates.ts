/** Dates of the deprecation policy: `YYYY-MM-DD` strings in UTC, compared as text. */

const DAY_MS = 86_400_000;

/**
 * Today's date in UTC.
 * @param now - ms since the epoch @default Date.now()
 * @returns `YYYY-MM-DD`
 */
export function utcDay(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/**
 * A date some days after another.
 * @param day - `YYYY-MM-DD`
 * @param days - whole days (may be negative)
 * @returns `YYYY-MM-DD`
 */
export function addDays(day: string, days: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}

/**
 * Whole days from one date to another.
 * @param from - `YYYY-MM-DD`
 * @param to - `YYYY-MM-DD`
 * @returns `to - from` in days
 */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** `YYYY-MM-DD` as the policy's reason writes it: `YYYY/MM/DD`. */
export const slashed = (day: string): string => day.replaceAll("-", "/");

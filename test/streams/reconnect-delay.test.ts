/**
 * The reconnect backoff of a remote stream: exponential from 250 ms, capped at 5 s, with equal jitter
 * (half the delay fixed, half random), so the streams of a restarted remote do not all come back at once.
 */
import { describe, expect, it } from "vitest";
import { reconnectDelay } from "../../src/streams";

describe("reconnectDelay", () => {
  it("doubles from 250 ms and stays between half and all of its ceiling", () => {
    const ceilings = [250, 500, 1000, 2000, 4000, 5000, 5000];
    ceilings.forEach((ceiling, attempt) => {
      expect(reconnectDelay(attempt, 0)).toBe(ceiling / 2);
      expect(reconnectDelay(attempt, 0.999999)).toBe(ceiling);
      expect(reconnectDelay(attempt, 0.5)).toBe(Math.round(ceiling * 0.75));
    });
  });

  it("never exceeds 5 s, however many attempts failed", () => {
    for (const attempt of [10, 50, 1000]) {
      expect(reconnectDelay(attempt, 0.999999)).toBeLessThanOrEqual(5_000);
      expect(reconnectDelay(attempt, 0)).toBe(2_500);
    }
  });

  it("spreads equal attempts over the jitter range", () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(3)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(1_000);
      expect(delay).toBeLessThanOrEqual(2_000);
    }
  });
});

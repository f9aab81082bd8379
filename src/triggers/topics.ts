/**
 * Topic patterns of event triggers, as AMQP topic exchanges (and Space Cloud's eventing) read them,
 * except that `#` matches one or more segments, never zero.
 */

/**
 * Whether a topic matches a trigger's topic pattern: segments are compared one by one; `*` matches
 * exactly one segment, `#` one or more (so `orders.#` matches `orders.7` and `orders.7.items`, never
 * `orders`). The pattern's syntax is checked by the config schema (`TOPIC_PATTERN`). Runs in
 * O(pattern segments x topic segments), whatever the number of `#`.
 * @param pattern - the trigger's `topic`, e.g. `orders.*`
 * @param topic - a published topic, e.g. `orders.7`
 * @returns true when it matches
 */
export function topicMatches(pattern: string, topic: string): boolean {
  const ps = pattern.split(".");
  const ts = topic.split(".");
  // row[t]: whether the pattern's first p segments match the topic's first t segments.
  let row: boolean[] = ts.map(() => false);
  row.unshift(true);
  for (const segment of ps) {
    const next: boolean[] = [false];
    for (let t = 1; t <= ts.length; t++) {
      if (segment === "#") next[t] = row[t - 1] === true || next[t - 1] === true;
      else next[t] = row[t - 1] === true && (segment === "*" || segment === ts[t - 1]);
    }
    row = next;
  }
  return row[ts.length] === true;
}

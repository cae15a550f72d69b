/**
 * Okta System Log style `filter=` for `GET /v1/events`, e.g.
 *   event_type eq "device.assurance.policy.add"
 *   (event_type eq "device.assurance.policy.add" or event_type eq "device.assurance.policy.update") and published gt "2026-01-01T00:00:00Z"
 *   event_type sw "device.assurance." and device_id eq "…"
 *
 * The subset that maps onto the event store's query: `and` of conditions, where a condition is
 * `event_type eq|sw`, `device_id eq` (alias `target.id`), `published gt|ge`, or a parenthesised
 * `or` of `event_type eq`. Anything else is a 400 naming what is not supported.
 */
export interface EventFilter {
  types?: string[];
  typePrefix?: string;
  deviceId?: string;
  since?: number;
}

type Token = { kind: "word"; value: string } | { kind: "string"; value: string } | { kind: "paren"; value: "(" | ")" };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_.]*))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (!m) throw new Error(`unexpected text at position ${at}: ${text.slice(at, at + 20)}`);
    if (m[1]) tokens.push({ kind: "paren", value: "(" });
    else if (m[2]) tokens.push({ kind: "paren", value: ")" });
    else if (m[3] !== undefined) tokens.push({ kind: "string", value: m[3].replace(/\\(.)/g, "$1") });
    else tokens.push({ kind: "word", value: m[4]! });
    at = pattern.lastIndex;
  }
  return tokens;
}

interface Comparison {
  attribute: string;
  operator: string;
  value: string;
}

export function parseEventFilter(text: string): { ok: true; filter: EventFilter } | { ok: false; message: string } {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    return { ok: false, message: `filter: ${(error as Error).message}` };
  }
  let i = 0;
  const fail = (message: string) => ({ ok: false as const, message: `filter: ${message}` });
  const comparison = (): Comparison | string => {
    const [a, op, v] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (a?.kind !== "word" || op?.kind !== "word" || v?.kind !== "string") return `expected <attribute> <operator> "<value>" at token ${i + 1}`;
    i += 3;
    return { attribute: a.value, operator: op.value.toLowerCase(), value: v.value };
  };
  const isWord = (t: Token | undefined, w: string) => t?.kind === "word" && t.value.toLowerCase() === w;

  const filter: EventFilter = {};
  const conditions: (Comparison | Comparison[])[] = [];
  while (i < tokens.length) {
    if (tokens[i]?.kind === "paren" && tokens[i]!.value === "(") {
      i++;
      const group: Comparison[] = [];
      for (;;) {
        const c = comparison();
        if (typeof c === "string") return fail(c);
        group.push(c);
        if (isWord(tokens[i], "or")) (i++);
        else break;
      }
      if (!(tokens[i]?.kind === "paren" && tokens[i]!.value === ")")) return fail("missing )");
      i++;
      conditions.push(group);
    } else {
      const c = comparison();
      if (typeof c === "string") return fail(c);
      if (isWord(tokens[i], "or")) {
        const group = [c];
        while (isWord(tokens[i], "or")) {
          i++;
          const next = comparison();
          if (typeof next === "string") return fail(next);
          group.push(next);
        }
        conditions.push(group);
      } else conditions.push(c);
    }
    if (i < tokens.length) {
      if (!isWord(tokens[i], "and")) return fail(`expected "and" at token ${i + 1}`);
      i++;
      if (i >= tokens.length) return fail('nothing after "and"');
    }
  }
  if (conditions.length === 0) return fail("empty");

  for (const condition of conditions) {
    if (Array.isArray(condition)) {
      if (condition.some((c) => c.attribute !== "event_type" || c.operator !== "eq")) return fail('"or" is supported between event_type eq conditions only');
      if (filter.types) return fail("only one event_type list is supported");
      filter.types = condition.map((c) => c.value);
      continue;
    }
    const { attribute, operator, value } = condition;
    if (attribute === "event_type" && operator === "eq") {
      if (filter.types) return fail("only one event_type list is supported");
      filter.types = [value];
    } else if (attribute === "event_type" && operator === "sw") filter.typePrefix = value;
    else if ((attribute === "device_id" || attribute === "target.id") && operator === "eq") filter.deviceId = value;
    else if (attribute === "published" && (operator === "gt" || operator === "ge")) {
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) return fail(`published: "${value}" is not an ISO 8601 time`);
      filter.since = operator === "gt" ? ms + 1 : ms;
    } else return fail(`unsupported condition: ${attribute} ${operator}`);
  }
  return { ok: true, filter };
}

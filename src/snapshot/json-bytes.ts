import { SnapshotFormatError } from './format.ts';

// The byte-level readers of .heapsnapshot JSON: digits straight into numbers, strings one at
// a time, other values stepped over. No string ever holds a whole section, so files past V8's
// ~512 M character string limit read like small ones.

export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const LBRACE = 123;
export const RBRACE = 125;
export const LBRACKET = 91;
export const RBRACKET = 93;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

/** Largest `snapshot` header or `trace_tree` we keep as text before parsing it with JSON.parse. */
const MAX_CAPTURE_BYTES = 256 * 1024 * 1024;
/** Numbers per batch handed to a sink: about half a megabyte of Float64. */
const BATCH_NUMBERS = 65536;

export function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

export function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

export function describeByte(c: number): string {
  return c >= 32 && c < 127 ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

export function unexpected(c: number, at: number, wanted: string): SnapshotFormatError {
  return new SnapshotFormatError(`unexpected ${describeByte(c)} at byte ${at}, expected ${wanted}`);
}

/**
 * Receives the integers of a numeric array in batches. `first` is the position of batch[0]
 * in the whole array, so a sink can place numbers that arrive out of order (a section read
 * from both ends); `width` numbers make one record.
 */
export interface NumberSink {
  readonly width: number;
  write(batch: Float64Array, length: number, first: number): void;
}

/** Reads a JSON array of non-negative integers (negative ones too if asked), front to back. */
export class NumberArrayReader {
  private opened = false;
  private value = 0;
  private inNumber = false;
  private negative = false;
  private readonly batch: Float64Array;
  private length = 0;
  /** Numbers handed to the sink so far. */
  count = 0;

  constructor(
    readonly sink: NumberSink,
    private readonly name: string,
    private readonly allowNegative = false,
    /** Position of the first number in the whole array: a reader may start part-way. */
    private readonly start = 0,
    opened = false,
  ) {
    this.opened = opened;
    this.batch = new Float64Array(BATCH_NUMBERS - (BATCH_NUMBERS % sink.width));
  }

  /** Whether a number was cut by the end of the bytes read so far. */
  get midNumber(): boolean {
    return this.inNumber;
  }

  /** Returns the index just past the closing ']', or -1 if the array goes on. */
  read(buf: Uint8Array, start: number, end: number, offset: number): number {
    let i = start;
    if (!this.opened) {
      for (; i < end; i++) {
        const c = buf[i];
        if (c === LBRACKET) {
          this.opened = true;
          i++;
          break;
        }
        if (!isSpace(c)) throw unexpected(c, offset + i, `'[' to open '${this.name}'`);
      }
      if (!this.opened) return -1;
    }
    const batch = this.batch;
    const capacity = batch.length;
    let length = this.length;
    let value = this.value;
    let inNumber = this.inNumber;
    let negative = this.negative;
    while (i < end) {
      let c = buf[i];
      if (c >= ZERO && c <= NINE) {
        // The whole run of digits in one tight loop; a number cut by the chunk's end carries over.
        let v = value;
        do {
          v = v * 10 + (c - ZERO);
          if (++i === end) break;
          c = buf[i];
        } while (c >= ZERO && c <= NINE);
        value = v;
        inNumber = true;
        if (i === end) break;
      }
      if (inNumber) {
        batch[length++] = negative ? -value : value;
        if (length === capacity) {
          this.emit(length);
          length = 0;
        }
        value = 0;
        inNumber = false;
        negative = false;
      }
      if (c === COMMA || isSpace(c)) {
        i++;
        continue;
      }
      if (c === RBRACKET) {
        this.length = length;
        this.inNumber = false;
        this.flush();
        return i + 1;
      }
      if (c === MINUS && !negative && this.allowNegative) {
        negative = true;
        i++;
        continue;
      }
      this.length = length;
      throw unexpected(c, offset + i, `a number in '${this.name}'`);
    }
    this.length = length;
    this.value = value;
    this.inNumber = inNumber;
    this.negative = negative;
    return -1;
  }

  /**
   * Stops at a boundary another reader goes on from. A number cut there is ours (it began in
   * our bytes): its last digits are taken from `buf[start..]`, which is read no further.
   */
  finishAt(buf: Uint8Array, start: number, end: number): void {
    for (let i = start; this.inNumber && i < end && isDigit(buf[i]); i++) this.value = this.value * 10 + (buf[i] - ZERO);
    this.flush();
  }

  /** Ends the number in progress (its digits ended with the bytes read) and hands over what is batched. */
  flush(): void {
    if (this.inNumber) {
      this.batch[this.length++] = this.negative ? -this.value : this.value;
      this.value = 0;
      this.inNumber = false;
      this.negative = false;
    }
    this.emit(this.length);
    this.length = 0;
  }

  private emit(length: number): void {
    if (length === 0) return;
    this.sink.write(this.batch, length, this.start + this.count);
    this.count += length;
  }
}

/**
 * Reads the integers of a numeric array back to front, from just before its closing ']'.
 * With the array's length known (the header's node and edge counts), each number's position
 * is known too, so a second thread can read a section from its end while another reads it
 * from its start.
 */
export class BackwardNumberReader {
  private value = 0;
  private scale = 1;
  private inNumber = false;
  private readonly batch: Float64Array;
  /** batch[fill .. batch.length-1] hold the numbers read, in array order. */
  private fill: number;
  /** Position (in the whole array) of the number after the batched ones. */
  private next: number;
  /** The '[' that opens the array was reached. */
  reachedStart = false;

  constructor(
    private readonly sink: NumberSink,
    private readonly name: string,
    total: number,
  ) {
    this.batch = new Float64Array(BATCH_NUMBERS - (BATCH_NUMBERS % sink.width));
    this.fill = this.batch.length;
    this.next = total;
  }

  /** Numbers handed to the sink so far. */
  count = 0;

  /**
   * Reads buf[start .. end-1] from its end, the bytes just before those read last. A number
   * open at `start` stays open: its first digits may come in the next bytes. Returns false
   * once the opening '[' is reached.
   */
  read(buf: Uint8Array, start: number, end: number, offset: number): boolean {
    const batch = this.batch;
    let fill = this.fill;
    let value = this.value;
    let scale = this.scale;
    let inNumber = this.inNumber;
    let i = end - 1;
    while (i >= start) {
      let c = buf[i];
      if (c >= ZERO && c <= NINE) {
        let v = value;
        let s = scale;
        do {
          v += (c - ZERO) * s;
          s *= 10;
          if (--i < start) break;
          c = buf[i];
        } while (c >= ZERO && c <= NINE);
        value = v;
        scale = s;
        inNumber = true;
        if (i < start) break;
      }
      if (inNumber) {
        batch[--fill] = value;
        if (fill === 0) {
          this.fill = 0;
          this.emit();
          fill = this.fill;
        }
        value = 0;
        scale = 1;
        inNumber = false;
      }
      if (c === COMMA || isSpace(c)) {
        i--;
        continue;
      }
      if (c === LBRACKET) {
        this.fill = fill;
        this.inNumber = false;
        this.reachedStart = true;
        this.emit();
        return false;
      }
      this.fill = fill;
      throw unexpected(c, offset + i, `a number in '${this.name}'`);
    }
    this.fill = fill;
    this.value = value;
    this.scale = scale;
    this.inNumber = inNumber;
    return true;
  }

  /**
   * Hands over what is batched. `cutBelow`: the byte before the last bytes read is a digit,
   * so a number still open began in bytes another reader owns, and is that reader's.
   */
  finish(cutBelow: boolean): void {
    if (this.inNumber && !cutBelow) {
      if (this.fill === 0) this.emit();
      this.batch[--this.fill] = this.value;
    }
    this.inNumber = false;
    this.emit();
  }

  private emit(): void {
    const n = this.batch.length - this.fill;
    if (n === 0) return;
    this.next -= n;
    if (this.next < 0) throw new SnapshotFormatError(`'${this.name}' holds more numbers than the header declares`);
    this.sink.write(this.batch.subarray(this.fill), n, this.next);
    this.count += n;
    this.fill = this.batch.length;
  }
}

/**
 * Scans one JSON value of any shape, optionally keeping its bytes. Used for the small
 * `snapshot` header, for `trace_tree`, and to step over sections we don't know.
 */
export class ValueScanner {
  private started = false;
  private depth = 0;
  private inString = false;
  private escape = false;
  private primitive = false;
  private readonly parts: Buffer[] = [];
  private kept = 0;
  overflowed = false;

  constructor(private readonly keep: boolean) {}

  /** Returns the index just past the value, or -1 if it continues in the next chunk. */
  scan(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    for (; i < end; i++) {
      const c = buf[i];
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.depth === 0) return this.done(buf, start, i + 1);
        }
        continue;
      }
      if (!this.started) {
        if (isSpace(c)) {
          start = i + 1;
          continue;
        }
        this.started = true;
        if (c === LBRACE || c === LBRACKET) this.depth = 1;
        else if (c === QUOTE) this.inString = true;
        else this.primitive = true;
        continue;
      }
      if (this.primitive) {
        if (c === COMMA || c === RBRACE || isSpace(c)) return this.done(buf, start, i);
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === LBRACE || c === LBRACKET) this.depth++;
      else if (c === RBRACE || c === RBRACKET) {
        if (--this.depth === 0) return this.done(buf, start, i + 1);
      }
    }
    this.keepBytes(buf, start, end);
    return -1;
  }

  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }

  private done(buf: Uint8Array, start: number, end: number): number {
    this.keepBytes(buf, start, end);
    return end;
  }

  private keepBytes(buf: Uint8Array, start: number, end: number): void {
    if (!this.keep || this.overflowed || end <= start) return;
    this.kept += end - start;
    if (this.kept > MAX_CAPTURE_BYTES) {
      this.overflowed = true;
      this.parts.length = 0;
      return;
    }
    this.parts.push(Buffer.from(buf.subarray(start, end)));
  }
}

/** Reads a JSON array of strings, one string at a time. */
export class StringArrayReader {
  readonly strings: string[] = [];
  private opened = false;
  private inString = false;
  /** The last byte seen inside the string was an escaping backslash. */
  private escape = false;
  /** Bytes of a string that began in an earlier chunk. */
  private pending: Buffer[] = [];

  /** Returns the index just past the closing bracket, or -1 if the array goes on. */
  read(buf: Buffer, start: number, end: number, offset: number): number {
    let i = start;
    let backslash = -1;
    while (i < end) {
      if (this.inString) {
        // Fast path: the next quote comes before any backslash, so the string has no escapes.
        if (backslash < i) backslash = indexOrEnd(buf, BACKSLASH, i, end);
        const quote = indexOrEnd(buf, QUOTE, i, end);
        if (quote < backslash && quote < end && this.pending.length === 0) {
          this.strings.push(buf.toString('utf8', i, quote));
          this.inString = false;
          i = quote + 1;
          continue;
        }
        let escape = this.escape;
        let k = i;
        for (; k < end; k++) {
          const c = buf[k];
          if (escape) escape = false;
          else if (c === BACKSLASH) escape = true;
          else if (c === QUOTE) break;
        }
        if (k === end) {
          this.pending.push(Buffer.from(buf.subarray(i, end)));
          this.escape = escape;
          return -1;
        }
        this.strings.push(this.decode(buf.subarray(i, k)));
        this.inString = false;
        this.escape = false;
        i = k + 1;
        continue;
      }
      const c = buf[i];
      if (!this.opened) {
        if (c === LBRACKET) this.opened = true;
        else if (!isSpace(c)) throw unexpected(c, offset + i, "'[' to open the strings array");
      } else if (c === QUOTE) {
        this.inString = true;
      } else if (c === RBRACKET) {
        return i + 1;
      } else if (c !== COMMA && !isSpace(c)) {
        throw unexpected(c, offset + i, 'a string in the strings array');
      }
      i++;
    }
    return -1;
  }

  private decode(tail: Buffer): string {
    const bytes = this.pending.length ? Buffer.concat([...this.pending, tail]) : tail;
    this.pending = [];
    const raw = bytes.toString('utf8');
    return bytes.indexOf(BACKSLASH) === -1 ? raw : (JSON.parse('"' + raw + '"') as string);
  }
}

function indexOrEnd(buf: Buffer, byte: number, from: number, end: number): number {
  const at = buf.indexOf(byte, from);
  return at < 0 || at > end ? end : at;
}

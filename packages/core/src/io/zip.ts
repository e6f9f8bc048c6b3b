/**
 * A minimal zip reader for the archives torch.save writes: stored (uncompressed)
 * entries, zip64 records, data descriptors (local headers with zero sizes, which is why
 * sizes come from the central directory) and padding in local extra fields.
 * Every offset and size is checked against the file before use, and each entry's CRC-32
 * is verified when it is read.
 */
import { FormatError } from '../errors.js';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate; only stored entries can be read. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3), as zip stores it. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what = 'zip',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
  }

  private fail(message: string): never {
    throw new FormatError(`${this.what}: ${message}`);
  }

  private u16(at: number): number {
    if (at + 2 > this.bytes.length) this.fail('truncated');
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    if (at + 4 > this.bytes.length) this.fail('truncated');
    return this.view.getUint32(at, true);
  }

  private u64(at: number, field: string): number {
    if (at + 8 > this.bytes.length) this.fail('truncated');
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(this.bytes.length)) this.fail(`${field} ${value} is larger than the file`);
    return Number(value);
  }

  private findEndOfCentralDirectory(): number {
    const last = this.bytes.length - 22;
    const first = Math.max(0, last - 0xffff);
    for (let at = last; at >= first; at--) {
      if (this.view.getUint32(at, true) === EOCD) return at;
    }
    return this.fail('no end-of-central-directory record (not a zip file, or truncated)');
  }

  private readCentralDirectory(): void {
    if (this.bytes.length < 22) this.fail(`${this.bytes.length} bytes is too short for a zip file`);
    const eocd = this.findEndOfCentralDirectory();
    let count = this.u16(eocd + 10);
    let size = this.u32(eocd + 12);
    let offset = this.u32(eocd + 16);
    if (eocd >= 20 && this.u32(eocd - 20) === ZIP64_LOCATOR) {
      const at = this.u64(eocd - 20 + 8, 'zip64 end-of-central-directory offset');
      if (this.u32(at) !== ZIP64_EOCD) this.fail('the zip64 locator points at no zip64 record');
      count = this.u64(at + 32, 'zip64 entry count');
      size = this.u64(at + 40, 'zip64 central directory size');
      offset = this.u64(at + 48, 'zip64 central directory offset');
    }
    if (offset + size > this.bytes.length) {
      this.fail(
        `the central directory [${offset}, ${offset + size}) runs past the end of the file`,
      );
    }
    if (count * 46 > size)
      this.fail(`${count} entries cannot fit a ${size}-byte central directory`);

    let at = offset;
    const names = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < count; i++) {
      if (this.u32(at) !== CENTRAL) this.fail(`central directory entry ${i} has a bad signature`);
      const flags = this.u16(at + 8);
      const method = this.u16(at + 10);
      const crc = this.u32(at + 16);
      let compressedSize = this.u32(at + 20);
      let entrySize = this.u32(at + 24);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      let localHeaderOffset = this.u32(at + 42);
      const end = at + 46 + nameLength + extraLength + commentLength;
      if (end > offset + size) this.fail(`central directory entry ${i} runs past the directory`);
      let name = '';
      try {
        name = names.decode(this.bytes.subarray(at + 46, at + 46 + nameLength));
      } catch {
        this.fail(`entry ${i} has a name that is not UTF-8`);
      }
      if (flags & 1) this.fail(`entry ${JSON.stringify(name)} is encrypted`);

      // zip64 extra field: the saturated 32-bit fields follow, in this order.
      let extra = at + 46 + nameLength;
      const extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = this.u16(extra);
        const length = this.u16(extra + 2);
        if (extra + 4 + length > extraEnd)
          this.fail(`entry ${JSON.stringify(name)} has a bad extra field`);
        if (id === 0x0001) {
          let field = extra + 4;
          const take = (label: string) => {
            if (field + 8 > extra + 4 + length)
              this.fail(`entry ${JSON.stringify(name)}: short zip64 field`);
            const value = this.u64(field, `${label} of ${JSON.stringify(name)}`);
            field += 8;
            return value;
          };
          if (entrySize === 0xffffffff) entrySize = take('size');
          if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('offset');
        }
        extra += 4 + length;
      }

      if (this.entries.has(name)) this.fail(`duplicate entry ${JSON.stringify(name)}`);
      if (localHeaderOffset + 30 + compressedSize > this.bytes.length) {
        this.fail(`entry ${JSON.stringify(name)} runs past the end of the file`);
      }
      this.entries.set(name, {
        name,
        method,
        compressedSize,
        size: entrySize,
        crc32: crc,
        localHeaderOffset,
      });
      at = end;
    }
  }

  /** The bytes of a stored entry (a view into the archive), CRC checked. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) return this.fail(`no entry ${JSON.stringify(name)}`);
    const at = entry.localHeaderOffset;
    if (this.u32(at) !== LOCAL) this.fail(`entry ${JSON.stringify(name)} has no local header`);
    const start = at + 30 + this.u16(at + 26) + this.u16(at + 28);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length)
      this.fail(`entry ${JSON.stringify(name)} runs past the end of the file`);
    if (entry.method !== 0) {
      const how =
        entry.method === 8 ? 'deflate-compressed' : `compressed with method ${entry.method}`;
      this.fail(
        `entry ${JSON.stringify(name)} is ${how}; only stored entries are read (torch.save stores)`,
      );
    }
    if (entry.compressedSize !== entry.size) {
      this.fail(
        `stored entry ${JSON.stringify(name)} has sizes ${entry.compressedSize} and ${entry.size}`,
      );
    }
    const data = this.bytes.subarray(start, end);
    if (crc32(data) !== entry.crc32)
      this.fail(`entry ${JSON.stringify(name)} fails its CRC-32 check`);
    return data;
  }
}

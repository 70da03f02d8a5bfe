/**
 * What a stored file really is, from its first bytes: the signature ("magic bytes") of
 * each content type creative accepts, and an image's dimensions from its header.
 */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export const VIDEO_TYPES = ['video/mp4', 'video/webm'] as const;

/** How many leading bytes submitAsset reads: enough for a JPEG whose frame header follows large metadata. */
export const SNIFF_BYTES = 256 * 1024;

export interface Sniffed {
  contentType: string;
  width: number | null;
  height: number | null;
}

/** The content type the bytes show, with dimensions for images; null when they match none we accept. */
export function sniff(bytes: Buffer): Sniffed | null {
  return png(bytes) ?? jpeg(bytes) ?? webp(bytes) ?? video(bytes);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function png(b: Buffer): Sniffed | null {
  if (b.length < 24 || !b.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  // The first chunk is IHDR: length (4), type (4), width (4), height (4).
  if (b.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { contentType: 'image/png', width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function jpeg(b: Buffer): Sniffed | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8 || b[2] !== 0xff) return null;
  // Walk the segments to the first start-of-frame (SOF0..SOF15 but DHT, JPG and DAC).
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return { contentType: 'image/jpeg', width: null, height: null };
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const length = b.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { contentType: 'image/jpeg', width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) };
    }
    if (marker === 0xda || length < 2) break;
    i += 2 + length;
  }
  return { contentType: 'image/jpeg', width: null, height: null };
}

function webp(b: Buffer): Sniffed | null {
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') return null;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { contentType: 'image/webp', width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21);
    return { contentType: 'image/webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    return { contentType: 'image/webp', width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  }
  return { contentType: 'image/webp', width: null, height: null };
}

function video(b: Buffer): Sniffed | null {
  // ISO base media (MP4): a box of type `ftyp` first.
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') return { contentType: 'video/mp4', width: null, height: null };
  // Matroska/WebM: the EBML header's id, then the doc type `webm` within it.
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) {
    const head = b.subarray(0, Math.min(b.length, 64)).toString('latin1');
    if (head.includes('webm')) return { contentType: 'video/webm', width: null, height: null };
  }
  return null;
}

/** How many trailing bytes `isComplete` looks at. */
export const TAIL_BYTES = 16;

/**
 * Whether an image ends where its format says it does: a PNG with its IEND chunk, a
 * JPEG with its end-of-image marker, a WebP whose RIFF size is the file's. A file cut
 * short fails here even when its header is intact. Videos are not checked (their
 * containers may end anywhere; review watches them).
 */
export function isComplete(contentType: string, head: Buffer, tail: Buffer, size: number): boolean {
  switch (contentType) {
    case 'image/png':
      return tail.length >= 12 && tail.subarray(tail.length - 12).equals(PNG_END);
    case 'image/jpeg':
      return tail.subarray(Math.max(0, tail.length - TAIL_BYTES)).includes(JPEG_END);
    case 'image/webp':
      return head.length >= 8 && head.readUInt32LE(4) + 8 === size;
    default:
      return true;
  }
}

const PNG_END = Buffer.from('0000000049454e44ae426082', 'hex');
const JPEG_END = Buffer.from([0xff, 0xd9]);

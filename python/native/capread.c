/* read_capture's per-frame loop in C (python/alphapulse/_capread.py loads it with ctypes).
 *
 * One call reads a batch of frames blocks (PROTOCOL.md section 13) sitting in a buffer: per block,
 * first the framing (block level: a failure ends the file at that block), then per frame the
 * checks of section 10 (frame level: a refused frame is listed, or stops the call when Python is
 * to raise) and the copy of every accepted frame and its receive time into its type's outputs.
 * It knows no layout: the tables by type number come from Python, built from the generated
 * layouts, and so does the output memory (numpy arrays). When a type's outputs are full (or not
 * allocated yet) the call returns CAPREAD_NEEDS_ROOM; Python grows them and calls again, and the
 * call resumes at the frame it stopped at (ap_batch.block and .frame).
 *
 * The bytes are untrusted (any file): every position is checked against the buffer before it is
 * read, whatever the block list and the frames say. C11, no Python.h, so that setuptools and
 * CMake can both build it as a plain shared library.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WIRE_MAGIC 0xDEADBEEFu
#define HEADER_SIZE 32
#define MAX_RAW_SIZE (64 << 20)
#define MASK48 ((UINT64_C(1) << 48) - 1)

/* What a call returns. */
enum { CAPREAD_OK = 0, CAPREAD_BROKEN = 1, CAPREAD_NEEDS_ROOM = 2, CAPREAD_REFUSED = 3 };
/* CAPREAD_BROKEN's detail: why block ap_batch.block cannot be read (in the order they are tested). */
enum { BROKEN_COUNT = 1, BROKEN_TOO_SMALL = 2, BROKEN_OUTSIDE = 3, BROKEN_MISALIGNED = 4,
       BROKEN_OUT_OF_PLACE = 5, BROKEN_NO_MAGIC = 6 };
/* Why a frame is refused (in the order section 10 tests them). */
enum { REFUSED_BAD_CHECKSUM = 1, REFUSED_UNKNOWN_TYPE = 2, REFUSED_UNKNOWN_VERSION = 3, REFUSED_BAD_SIZE = 4 };
/* CAPREAD_NEEDS_ROOM's detail when the refused list is full (else: the message type). */
#define ROOM_FOR_REFUSED 256

/* zlib.crc32-compatible functions: ISA-L's crc32_gzip_refl, or zlib's own crc32. */
typedef uint32_t (*crc_isal_fn)(uint32_t crc, const uint8_t *data, uint64_t len);
typedef unsigned long (*crc_zlib_fn)(unsigned long crc, const uint8_t *data, unsigned int len);

/* Lookup tables by message type number, 256 entries each. */
typedef struct {
    const uint64_t *key;          /* a fixed-size type's first 6 header bytes (magic, type, version); else a value no header has */
    const uint32_t *payload;      /* a fixed-size type's payload_size */
    const int64_t *variable_min;  /* a variable-size type's least payload_size; -1 for other types */
    const uint8_t *version;       /* the layout's version; 0: no layout for this type number */
    const uint8_t *wanted;        /* non-zero: keep this type's frames (others are not checked either) */
} ap_tables;

/* One message type's outputs (memory owned by Python); one per type number, 256 in all. The fields
 * a frame updates share a cache line or two, which matters at 10 M frames a second. */
typedef struct {
    uint8_t *data;                /* the frames back to back, without their padding */
    uint64_t *times;              /* receive times */
    int64_t *offsets;             /* variable-size types: where each frame starts in data; else NULL */
    int64_t *sizes;               /* variable-size types: each frame's size */
    uint8_t *fixed;               /* variable-size types: each frame's first fixed_size bytes, back to back */
    int64_t fixed_size;
    int64_t count, count_cap;     /* frames written, and room for (in times, offsets, sizes, fixed) */
    int64_t bytes, bytes_cap;     /* bytes written to data, and room */
} ap_output;

/* One call's batch: inputs, where to resume, and what the call found. */
typedef struct {
    const uint8_t *buf;
    int64_t buf_len;
    const int64_t *blocks;        /* per block: payload position in buf, count, raw_size */
    int64_t block_count;
    crc_isal_fn crc_isal;         /* a CRC function to check every frame's checksum with, */
    crc_zlib_fn crc_zlib;         /* or this one, or neither (both NULL) */
    int64_t stop_at_refused;      /* errors="raise": return at the first refused frame */
    int64_t block, frame;         /* in: where to start (0, 0 for a new batch); out: where it stopped */
    int64_t detail;               /* BROKEN: why; NEEDS_ROOM: the type (or ROOM_FOR_REFUSED); REFUSED: why */
    int64_t room;                 /* NEEDS_ROOM: the bytes of the frame that does not fit */
    int64_t *refused_pos;         /* refused frames: byte position in buf, */
    uint8_t *refused_why;         /* and why, */
    int64_t refused, refused_cap; /* how many are listed (in/out), and room for */
} ap_batch;

/* A block's geometry, in byte positions of buf. */
typedef struct {
    int64_t start, count, end;    /* payload start, frames, payload end */
    int64_t frames;               /* where the frames part starts */
} block_at;

static uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof v); return v; }
static uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof v); return v; }

/* The block's geometry from the block list, or why it cannot hold its frames. */
static int block_shape(const ap_batch *b, int64_t k, block_at *blk) {
    const int64_t *row = b->blocks + 3 * k;
    int64_t start = row[0], count = row[1], raw_size = row[2];
    if (count < 1 || raw_size > MAX_RAW_SIZE)
        return BROKEN_COUNT;
    /* columns: receive times (8 bytes a frame), offsets (4), padding to 8; then at least a header a frame */
    if (count > raw_size / (12 + HEADER_SIZE) || 12 * count + (count % 2 ? 4 : 0) + HEADER_SIZE * count > raw_size
        || start % 8)
        return BROKEN_TOO_SMALL;
    if (start < 0 || start > b->buf_len || raw_size > b->buf_len - start)
        return BROKEN_OUTSIDE;
    *blk = (block_at){start, count, start + raw_size, start + 12 * count + (count % 2 ? 4 : 0)};
    return 0;
}

static int64_t frame_offset(const uint8_t *buf, const block_at *blk, int64_t i) {
    return load32(buf + blk->start + 8 * blk->count + 4 * i);
}

/* Block-level framing: every frame 8-byte aligned, in order, inside its block, not running into the
 * next, the magic where the offsets column points. 0, or the first failure in that order. */
static int check_framing(const uint8_t *buf, const block_at *blk) {
    for (int64_t i = 0; i < blk->count; i++)
        if (frame_offset(buf, blk, i) % 8)
            return BROKEN_MISALIGNED;
    int64_t previous_end = blk->frames;
    int no_magic = 0;
    for (int64_t i = 0; i < blk->count; i++) {
        int64_t at = blk->frames + frame_offset(buf, blk, i);
        if (at < previous_end || at > blk->end - HEADER_SIZE)
            return BROKEN_OUT_OF_PLACE;
        int64_t size = HEADER_SIZE + (int64_t)load32(buf + at + 8);
        if (size > blk->end - at)
            return BROKEN_OUT_OF_PLACE;
        previous_end = at + size;
        no_magic |= load32(buf + at) != WIRE_MAGIC;
    }
    return no_magic ? BROKEN_NO_MAGIC : 0;
}

/* The frame's checksum (bytes 0..27, then 32..end) against the one it carries. */
static int checksum_ok(const ap_batch *b, const uint8_t *frame, int64_t size) {
    uint32_t crc;
    if (b->crc_isal) {
        crc = b->crc_isal(b->crc_isal(0, frame, 28), frame + HEADER_SIZE, (uint64_t)(size - HEADER_SIZE));
    } else {
        unsigned long c = b->crc_zlib(b->crc_zlib(0, frame, 28), frame + HEADER_SIZE, (unsigned int)(size - HEADER_SIZE));
        crc = (uint32_t)c;
    }
    return crc == load32(frame + 28);
}

/* Why a frame that is not a fixed-size type's exact header and size is refused; 0: a well-formed
 * frame of a variable-size type. */
static int refusal(const ap_tables *t, unsigned type, unsigned version, uint32_t payload) {
    if (t->version[type] == 0)
        return REFUSED_UNKNOWN_TYPE;
    if (t->version[type] != version)
        return REFUSED_UNKNOWN_VERSION;
    int fixed = t->variable_min[type] < 0;
    if (fixed ? payload != t->payload[type] : (int64_t)payload < t->variable_min[type])
        return REFUSED_BAD_SIZE;
    return 0;
}

/* Appends a frame and its receive time to its type's outputs; NEEDS_ROOM when they are full. */
static int keep(ap_batch *b, ap_output *o, unsigned type, const uint8_t *frame, int64_t size, uint64_t time) {
    int64_t n = o->count, at = o->bytes;
    if (n >= o->count_cap || size > o->bytes_cap - at) {
        b->detail = type;
        b->room = size;
        return CAPREAD_NEEDS_ROOM;
    }
    memcpy(o->data + at, frame, (size_t)size);
    o->times[n] = time;
    if (o->offsets) {
        o->offsets[n] = at;
        o->sizes[n] = size;
        /* size >= fixed_size by the size check (variable_min); never read past the frame all the same */
        memcpy(o->fixed + n * o->fixed_size, frame, (size_t)(size < o->fixed_size ? size : o->fixed_size));
    }
    o->count = n + 1;
    o->bytes = at + size;
    return CAPREAD_OK;
}

static int refuse(ap_batch *b, int64_t at, int why) {
    if (b->refused >= b->refused_cap) {
        b->detail = ROOM_FOR_REFUSED;
        return CAPREAD_NEEDS_ROOM;
    }
    b->refused_pos[b->refused] = at;
    b->refused_why[b->refused] = (uint8_t)why;
    b->refused++;
    b->detail = why;
    return b->stop_at_refused ? CAPREAD_REFUSED : CAPREAD_OK;
}

/* Frame i of a block whose framing holds: its checks, then kept or refused. */
static int read_frame(ap_batch *b, const ap_tables *t, ap_output *outputs, const block_at *blk, int64_t i) {
    int64_t at = blk->frames + frame_offset(b->buf, blk, i);
    const uint8_t *frame = b->buf + at;
    uint64_t head = load64(frame);
    uint32_t payload = load32(frame + 8);
    unsigned type = (unsigned)(head >> 32) & 0xFF;
    if (!t->wanted[type])
        return CAPREAD_OK;
    int64_t size = HEADER_SIZE + (int64_t)payload;
    if ((b->crc_isal || b->crc_zlib) && !checksum_ok(b, frame, size))
        return refuse(b, at, REFUSED_BAD_CHECKSUM);
    if ((head & MASK48) != t->key[type] || payload != t->payload[type]) {
        int why = refusal(t, type, (unsigned)(head >> 40) & 0xFF, payload);
        if (why)
            return refuse(b, at, why);
    }
    return keep(b, outputs + type, type, frame, size, load64(b->buf + blk->start + 8 * i));
}

/* Reads the batch from (b->block, b->frame) on. Returns CAPREAD_OK at its end, or stops at a broken
 * block (nothing of it is read), at a frame whose outputs are full (call again once they are
 * grown), or at the first refused frame with stop_at_refused. */
int capread_blocks(ap_batch *b, const ap_tables *t, ap_output *outputs) {
    for (; b->block < b->block_count; b->block++, b->frame = 0) {
        block_at blk;
        int why = block_shape(b, b->block, &blk);
        if (!why && b->frame == 0)
            why = check_framing(b->buf, &blk);
        if (why) {
            b->detail = why;
            return CAPREAD_BROKEN;
        }
        for (; b->frame < blk.count; b->frame++) {
            int status = read_frame(b, t, outputs, &blk, b->frame);
            if (status != CAPREAD_OK) {
                if (status == CAPREAD_REFUSED)
                    b->frame++;  /* past it, should the caller go on */
                return status;
            }
        }
    }
    return CAPREAD_OK;
}

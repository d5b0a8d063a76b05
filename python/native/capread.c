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
#include <string.h>

#include "capread.h"

#define MASK48 ((UINT64_C(1) << 48) - 1)

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

/* Whether every frame of a block (its framing checked) has the first one's magic, type, version and
 * payload_size, all back to back. Tested only where the frames part is exactly count frames of
 * that size long, which a block of mixed types or sizes hardly ever is. */
static int uniform_block(const uint8_t *buf, const block_at *blk, uint64_t head, uint32_t payload) {
    int64_t size = HEADER_SIZE + (int64_t)payload;
    if (size % 8 || blk->end - blk->frames != blk->count * size)
        return 0;
    for (int64_t i = 0; i < blk->count; i++) {
        const uint8_t *frame = buf + blk->frames + frame_offset(buf, blk, i);
        if (frame != buf + blk->frames + i * size || ((load64(frame) ^ head) & MASK48) || load32(frame + 8) != payload)
            return 0;
    }
    return 1;
}

/* A uniform block of a wanted fixed-size type, with no checksum to check, whose outputs have room:
 * its frames and receive times copied by one memcpy each, as they lie back to back (a single-type
 * capture). 0 when the block is not such a block (it is read frame by frame). */
static int keep_uniform_block(const ap_batch *b, const ap_tables *t, ap_output *outputs, const block_at *blk) {
    const uint8_t *first = b->buf + blk->frames + frame_offset(b->buf, blk, 0);
    uint64_t head = load64(first);
    uint32_t payload = load32(first + 8);
    unsigned type = (unsigned)(head >> 32) & 0xFF;
    ap_output *o = outputs + type;
    int64_t size = HEADER_SIZE + (int64_t)payload, n = blk->count;
    if (b->crc_isal || b->crc_zlib || !t->wanted[type] || (head & MASK48) != t->key[type] || payload != t->payload[type] ||
        o->offsets || n > o->count_cap - o->count || n * size > o->bytes_cap - o->bytes ||
        !uniform_block(b->buf, blk, head, payload))
        return 0;
    memcpy(o->data + o->bytes, first, (size_t)(n * size));
    memcpy(o->times + o->count, b->buf + blk->start, (size_t)n * sizeof(uint64_t));
    o->count += n;
    o->bytes += n * size;
    return 1;
}

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
        if (b->frame == 0 && keep_uniform_block(b, t, outputs, &blk))
            continue;
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

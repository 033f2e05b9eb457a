#include "ldg_codec.h"
#include "ldg_limits.h"

#include <stdlib.h>
#include <string.h>

void ldg_enc_init(ldg_enc *e)
{
    msgpack_sbuffer_init(&e->buf);
    msgpack_packer_init(&e->pk, &e->buf, msgpack_sbuffer_write);
}

void ldg_enc_free(ldg_enc *e)
{
    msgpack_sbuffer_destroy(&e->buf);
    e->buf.data = NULL;
    e->buf.size = e->buf.alloc = 0;
}

void ldg_enc_reset(ldg_enc *e)
{
    e->buf.size = 0;
}

/* msgpack-c's packer only fails when its write callback fails, i.e. on allocation
 * failure; there is nothing sensible to continue with then. */
#define PACK(call) LDG_ASSERT((call) == 0)

void ldg_enc_array(ldg_enc *e, uint32_t n)
{
    PACK(msgpack_pack_array(&e->pk, n));
}
void ldg_enc_u64(ldg_enc *e, uint64_t v)
{
    PACK(msgpack_pack_uint64(&e->pk, v));
}
void ldg_enc_i64(ldg_enc *e, int64_t v)
{
    PACK(msgpack_pack_int64(&e->pk, v));
}
void ldg_enc_bool(ldg_enc *e, bool v)
{
    PACK(v ? msgpack_pack_true(&e->pk) : msgpack_pack_false(&e->pk));
}
void ldg_enc_nil(ldg_enc *e)
{
    PACK(msgpack_pack_nil(&e->pk));
}
void ldg_enc_bin(ldg_enc *e, const void *data, size_t len)
{
    PACK(msgpack_pack_bin(&e->pk, len));
    PACK(msgpack_pack_bin_body(&e->pk, data, len));
}
void ldg_enc_strn(ldg_enc *e, const char *s, size_t len)
{
    PACK(msgpack_pack_str(&e->pk, len));
    PACK(msgpack_pack_str_body(&e->pk, s, len));
}
void ldg_enc_str(ldg_enc *e, const char *s)
{
    ldg_enc_strn(e, s, strlen(s));
}
void ldg_enc_raw(ldg_enc *e, const void *data, size_t len)
{
    PACK(msgpack_sbuffer_write(&e->buf, data, len));
}

uint8_t *ldg_enc_take(ldg_enc *e, size_t *len)
{
    uint8_t *p = (uint8_t *)e->buf.data;
    *len = e->buf.size;
    if (!p) {
        p = malloc(1);
        LDG_ASSERT(p);
    }
    e->buf.data = NULL;
    e->buf.size = e->buf.alloc = 0;
    return p;
}

#define CODEC_DEPTH_MAX LDG_CODEC_DEPTH_MAX

/* The header bytes 0xc4..0xdd that carry a big-endian argument of `width` bytes (an integer,
 * a length or a count). Canonical means what msgpack-c's packer emits (pack_template.h): the
 * shortest form (fixstr and fixarray are handled before this table), so the argument must
 * lie in [lo, hi]. A non-negative value in a signed form is not canonical (msgpack-c reads it
 * as a positive integer and packs it unsigned), so a signed form holds only the negatives too
 * small for the next shorter form, e.g. int8 takes -128..-33 = 0x80..0xdf. Width 0 marks a
 * header folio refuses (ext, float, map). */
typedef struct codec_form {
    uint8_t width;
    uint8_t kind;
    uint64_t lo, hi;
} codec_form;

enum { FORM_INT, FORM_BYTES, FORM_STR, FORM_ARRAY };

static const codec_form codec_forms[0xdd - 0xc4 + 1] = {
    [0xc4 - 0xc4] = {1, FORM_BYTES, 0, 0xff},                      /* bin8 (no fixbin) */
    [0xc5 - 0xc4] = {2, FORM_BYTES, 0x100, 0xffff},                /* bin16 */
    [0xc6 - 0xc4] = {4, FORM_BYTES, 0x10000, 0xffffffff},          /* bin32 */
    [0xcc - 0xc4] = {1, FORM_INT, 0x80, 0xff},                     /* uint8: 128.. */
    [0xcd - 0xc4] = {2, FORM_INT, 0x100, 0xffff},                  /* uint16: 256.. */
    [0xce - 0xc4] = {4, FORM_INT, 0x10000, 0xffffffff},            /* uint32: 65536.. */
    [0xcf - 0xc4] = {8, FORM_INT, 1ULL << 32, UINT64_MAX},         /* uint64: 2^32.. */
    [0xd0 - 0xc4] = {1, FORM_INT, 0x80, 0xdf},                     /* int8: -128..-33 */
    [0xd1 - 0xc4] = {2, FORM_INT, 0x8000, 0xff7f},                 /* int16: -32768..-129 */
    [0xd2 - 0xc4] = {4, FORM_INT, 0x80000000, 0xffff7fff},         /* int32: -2^31..-32769 */
    [0xd3 - 0xc4] = {8, FORM_INT, 1ULL << 63, 0xffffffff7fffffff}, /* int64: ..-2^31-1 */
    [0xd9 - 0xc4] = {1, FORM_STR, 32, 0xff},                       /* str8: 32.. */
    [0xda - 0xc4] = {2, FORM_STR, 0x100, 0xffff},                  /* str16 */
    [0xdb - 0xc4] = {4, FORM_STR, 0x10000, 0xffffffff},            /* str32 */
    [0xdc - 0xc4] = {2, FORM_ARRAY, 16, 0xffff},                   /* array16: 16.. */
    [0xdd - 0xc4] = {4, FORM_ARRAY, 0x10000, 0xffffffff},          /* array32 */
};

/* Whether s[0..n) is UTF-8 as RFC 3629 defines it (specs/encoding.md 1.3): every sequence
 * complete, in its shortest form, no UTF-16 surrogate (U+D800..U+DFFF), nothing above
 * U+10FFFF. The second byte's range depends on the lead byte (RFC 3629 section 4, the
 * UTF8-2..UTF8-4 rules); later continuation bytes are 80..bf. ASCII runs go 8 bytes at a time:
 * most text is ASCII and this runs on every string of every decoded value. */
/* Whether s[0..n) is all ASCII: whole words, the last one overlapping, so a string of 8 to 16
 * bytes (chain ids, ISINs, names) takes two loads. */
static inline bool ascii(const uint8_t *s, size_t n)
{
    uint64_t acc = 0, w;
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            acc |= s[i];
        return !(acc & 0x80);
    }
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    memcpy(&w, s + n - 8, 8);
    return !((acc | w) & 0x8080808080808080ULL);
}

static inline bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        uint8_t lo = 0x80, hi = 0xbf;
        size_t len;
        if (c >= 0xc2 && c <= 0xdf)
            len = 2;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        else
            return false; /* 80..c1 (continuation or overlong 2-byte lead), f5..ff */
        if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

bool ldg_utf8_valid(const uint8_t *s, size_t n)
{
    return utf8_valid(s, n);
}

/* Walks the canonical value at data[off] without allocating; returns its end offset, or 0 if
 * it is not well formed or not canonical (specs/encoding.md 1.1: a type folio refuses, a
 * longer form than needed, or nesting deeper than CODEC_DEPTH_MAX), or if a string is not
 * UTF-8 (RFC 3629; *bad_text is then set, so the caller can say which). Every declared count and
 * length must also fit in the bytes that remain (an item takes at least one byte), so there
 * are at most len values: a 5-byte "array32 of 4G items" never asks for ~100 GiB of objects.
 * Adds the number of values (the value and all nested ones) to *count. A value this accepts is
 * exactly one that msgpack-c's msgpack_unpack_next decodes in full and msgpack_pack_object
 * re-encodes to the same bytes. */
static size_t walk(const uint8_t *p, size_t len, size_t off, int depth, size_t *count,
                   bool *bad_text)
{
    if (depth > CODEC_DEPTH_MAX || off >= len)
        return 0;
    ++*count;
    uint8_t b = p[off++];
    size_t rest = len - off;
    uint64_t n;
    int kind;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
        return off; /* fixints, nil, false, true */
    } else if ((b & 0xe0) == 0xa0) {
        n = b & 0x1f, kind = FORM_STR; /* fixstr */
    } else if ((b & 0xf0) == 0x90) {
        n = b & 0x0f, kind = FORM_ARRAY; /* fixarray */
    } else if (b >= 0xc4 && b <= 0xdd && codec_forms[b - 0xc4].width) {
        const codec_form *f = &codec_forms[b - 0xc4];
        if (f->width > rest)
            return 0;
        n = 0;
        for (size_t i = 0; i < f->width; i++)
            n = n << 8 | p[off + i];
        if (n < f->lo || n > f->hi)
            return 0;
        off += f->width, rest -= f->width, kind = f->kind;
        if (kind == FORM_INT)
            return off;
    } else {
        return 0; /* maps, floats, ext, 0xc1 */
    }
    if (n > rest)
        return 0;
    if (kind == FORM_BYTES)
        return off + n;
    if (kind == FORM_STR) {
        if (!ascii(p + off, n) && !utf8_valid(p + off, n)) {
            *bad_text = true;
            return 0;
        }
        return off + n;
    }
    for (uint64_t i = 0; i < n; i++)
        if ((off = walk(p, len, off, depth + 1, count, bad_text)) == 0)
            return 0;
    return off;
}

/* Builds the object tree of a value walk() accepted, so it checks nothing. Array items are
 * laid out as msgpack-c's unpacker allocates them: an array's items take the next free
 * slots when its header is read, then each item is built in order.
 *
 * `trail` reproduces the pointer msgpack-c (unpack_template.h, 4.0) gives an empty string
 * or binary: its cursor `n`, which starts NULL and moves to each argument (integer, length,
 * count) after a header byte, and to each non-empty body. An empty fixstr gets the cursor as
 * it stands (NULL if nothing before it had an argument), an empty bin8 its length byte. No
 * caller reads through those pointers; keeping them identical keeps the trees identical. */
typedef struct codec_builder {
    const uint8_t *p;
    msgpack_object *next; /* where the next array's items go */
    const uint8_t *trail;
} codec_builder;

static size_t build(codec_builder *b, msgpack_object *o, size_t off)
{
    const uint8_t *p = b->p;
    uint8_t h = p[off++];
    uint64_t n = 0;
    if (h <= 0x7f) {
        o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        o->via.u64 = h;
        return off;
    }
    if (h >= 0xe0) {
        o->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
        o->via.i64 = (int8_t)h;
        return off;
    }
    if ((h & 0xe0) == 0xa0) {
        o->type = MSGPACK_OBJECT_STR;
        n = h & 0x1f;
        goto bytes;
    }
    if ((h & 0xf0) == 0x90) {
        n = h & 0x0f;
        goto array;
    }
    switch (h) {
    case 0xc0:
        o->type = MSGPACK_OBJECT_NIL;
        o->via.u64 = 0;
        return off;
    case 0xc2:
    case 0xc3:
        o->type = MSGPACK_OBJECT_BOOLEAN;
        o->via.u64 = 0;
        o->via.boolean = h == 0xc3;
        return off;
    default:
        break;
    }
    const codec_form *f = &codec_forms[h - 0xc4];
    b->trail = p + off;
    for (size_t i = 0; i < f->width; i++)
        n = n << 8 | p[off + i];
    off += f->width;
    if (f->kind == FORM_ARRAY)
        goto array;
    if (f->kind == FORM_BYTES || f->kind == FORM_STR) {
        o->type = f->kind == FORM_BYTES ? MSGPACK_OBJECT_BIN : MSGPACK_OBJECT_STR;
        goto bytes;
    }
    if (h <= 0xcf) { /* uint8..64 */
        o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        o->via.u64 = n;
        return off;
    }
    int64_t v = f->width == 1   ? (int8_t)n
                : f->width == 2 ? (int16_t)n
                : f->width == 4 ? (int32_t)n
                                : (int64_t)n; /* int8..64 */
    if (v < 0) {
        o->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
        o->via.i64 = v;
    } else { /* not canonical, so walk() never lets one through; msgpack-c reads it so */
        o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        o->via.u64 = (uint64_t)v;
    }
    return off;
bytes: /* o->via.str and o->via.bin have the same layout */
    if (n)
        b->trail = p + off;
    o->via.str.size = (uint32_t)n;
    o->via.str.ptr = (const char *)b->trail;
    return off + n;
array:
    o->type = MSGPACK_OBJECT_ARRAY;
    o->via.array.size = (uint32_t)n;
    o->via.array.ptr = b->next;
    b->next += n;
    for (uint64_t i = 0; i < n; i++)
        off = build(b, &o->via.array.ptr[i], off);
    return off;
}

ldg_err ldg_decode(ldg_dec *d, const uint8_t *data, size_t len)
{
    d->root = NULL;
    d->heap = NULL;
    /* walk() is the whole acceptance rule (specs/encoding.md 1.2: framing, types, depth,
     * canonical form and UTF-8 text) and counts the values; build() then lays out the tree in
     * one block. */
    size_t count = 0;
    bool bad_text = false;
    if (len == 0 || walk(data, len, 0, 0, &count, &bad_text) != len)
        return bad_text ? LDG_ERR_TEXT : LDG_ERR_DECODE;
    msgpack_object *objs = d->small;
    if (count > LDG_DEC_SMALL) {
        LDG_ASSERT(count <= SIZE_MAX / sizeof *objs); /* count <= len: at least a byte each */
        objs = d->heap = malloc(count * sizeof *objs);
        LDG_ASSERT(objs);
    }
    codec_builder b = {.p = data, .next = objs + 1, .trail = NULL};
    size_t end = build(&b, objs, 0);
    LDG_ASSERT(end == len && b.next == objs + count);
    d->root = objs;
    return LDG_OK;
}

void ldg_dec_free(ldg_dec *d)
{
    /* A decoded ldg_dec that was copied or moved has its root elsewhere. */
    LDG_ASSERT(!d->root || d->root == (d->heap ? d->heap : d->small));
    free(d->heap);
    d->heap = NULL;
    d->root = NULL;
}

bool ldg_obj_array(const msgpack_object *o, uint32_t n, const msgpack_object **items)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != n)
        return false;
    *items = o->via.array.ptr;
    return true;
}

bool ldg_obj_array_any(const msgpack_object *o, uint32_t max, const msgpack_object **items,
                       uint32_t *n)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > max)
        return false;
    *items = o->via.array.ptr;
    *n = o->via.array.size;
    return true;
}

bool ldg_obj_u64(const msgpack_object *o, uint64_t *v)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return false;
    *v = o->via.u64;
    return true;
}

bool ldg_obj_i64(const msgpack_object *o, int64_t *v)
{
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *v = o->via.i64;
        return true;
    }
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
        *v = (int64_t)o->via.u64;
        return true;
    }
    return false;
}

bool ldg_obj_bool(const msgpack_object *o, bool *v)
{
    if (o->type != MSGPACK_OBJECT_BOOLEAN)
        return false;
    *v = o->via.boolean;
    return true;
}

bool ldg_obj_bin(const msgpack_object *o, uint8_t *out, size_t len)
{
    if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != len)
        return false;
    if (len) /* an empty binary's pointer may be NULL (ldg_decode) */
        memcpy(out, o->via.bin.ptr, len);
    return true;
}

bool ldg_obj_bin_ref(const msgpack_object *o, size_t max, const uint8_t **data, size_t *len)
{
    if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size > max)
        return false;
    *data = (const uint8_t *)o->via.bin.ptr;
    *len = o->via.bin.size;
    return true;
}

/* UTF-8 (RFC 3629) with no control characters (C0, DEL). ldg_decode already checked the
 * UTF-8; it is checked again because an msgpack_object may come from elsewhere. */
static bool text_ok(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return ldg_utf8_valid(s, n);
}

bool ldg_obj_str(const msgpack_object *o, char *out, size_t max, bool allow_empty)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return false;
    size_t n = o->via.str.size;
    if (n > max || (n == 0 && !allow_empty) || !text_ok((const uint8_t *)o->via.str.ptr, n))
        return false;
    if (n) /* an empty string's pointer may be NULL (ldg_decode) */
        memcpy(out, o->via.str.ptr, n);
    out[n] = '\0';
    return true;
}

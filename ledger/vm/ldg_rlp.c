/* RLP writer. Lists are written payload first, then the header is inserted in front. */
#include "ldg_rlp.h"

#include <stdlib.h>
#include <string.h>

void ldg_rlp_init(ldg_rlp_buf *b)
{
    memset(b, 0, sizeof *b);
}

void ldg_rlp_free(ldg_rlp_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void ldg_rlp_reset(ldg_rlp_buf *b)
{
    b->len = 0;
    b->failed = false;
}

static bool reserve(ldg_rlp_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void ldg_rlp_put_raw(ldg_rlp_buf *b, const uint8_t *data, size_t len)
{
    if (len == 0 || !reserve(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

/* Header for a payload of len bytes: offset 0x80 (string) or 0xc0 (list). */
static size_t header(uint8_t out[9], size_t len, uint8_t offset)
{
    if (len < 56) {
        out[0] = (uint8_t)(offset + len);
        return 1;
    }
    size_t n = 0;
    for (size_t v = len; v; v >>= 8)
        n++;
    out[0] = (uint8_t)(offset + 55 + n);
    for (size_t i = 0; i < n; i++)
        out[n - i] = (uint8_t)(len >> (8 * i));
    return n + 1;
}

void ldg_rlp_put_bytes(ldg_rlp_buf *b, const uint8_t *data, size_t len)
{
    if (len == 1 && data[0] < 0x80) {
        ldg_rlp_put_raw(b, data, 1);
        return;
    }
    uint8_t h[9];
    ldg_rlp_put_raw(b, h, header(h, len, 0x80));
    ldg_rlp_put_raw(b, data, len);
}

void ldg_rlp_put_u64(ldg_rlp_buf *b, uint64_t v)
{
    uint8_t be[8];
    size_t n = 0;
    for (uint64_t x = v; x; x >>= 8)
        n++;
    for (size_t i = 0; i < n; i++)
        be[n - 1 - i] = (uint8_t)(v >> (8 * i));
    ldg_rlp_put_bytes(b, be, n);
}

void ldg_rlp_put_u256(ldg_rlp_buf *b, ldg_u256 v)
{
    uint8_t be[32];
    ldg_u256_to_be(be, v);
    size_t n = ldg_u256_byte_len(v);
    ldg_rlp_put_bytes(b, be + 32 - n, n);
}

size_t ldg_rlp_list_begin(const ldg_rlp_buf *b)
{
    return b->len;
}

void ldg_rlp_list_end(ldg_rlp_buf *b, size_t start)
{
    uint8_t h[9];
    size_t hn = header(h, b->len - start, 0xc0);
    if (!reserve(b, hn))
        return;
    memmove(b->data + start + hn, b->data + start, b->len - start);
    memcpy(b->data + start, h, hn);
    b->len += hn;
}

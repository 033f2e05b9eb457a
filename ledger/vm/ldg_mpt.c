/* Merkle-Patricia trie root: recursive over the sorted keys. A node whose encoding is
 * shorter than 32 bytes is embedded in its parent, otherwise referenced by its hash. */
#include "ldg_mpt.h"

#include "ldg_keccak.h"
#include "ldg_rlp.h"

#include <stdlib.h>
#include <string.h>

const uint8_t LDG_MPT_EMPTY_ROOT[32] = {
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
    0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21};

#define KEY_NIBBLES 64

static unsigned nibble(const uint8_t *key, unsigned i)
{
    return i % 2 == 0 ? key[i / 2] >> 4 : key[i / 2] & 0x0f;
}

/* Hex-prefix encoding of key nibbles [from, to) with the leaf flag. */
static void put_hex_prefix(ldg_rlp_buf *out, const uint8_t *key, unsigned from, unsigned to,
                           bool leaf)
{
    uint8_t buf[33];
    unsigned n = to - from, len = 0;
    unsigned flag = leaf ? 2 : 0;
    if (n % 2) {
        buf[len++] = (uint8_t)(((flag | 1) << 4) | nibble(key, from));
        from++;
    } else {
        buf[len++] = (uint8_t)(flag << 4);
    }
    for (unsigned i = from; i < to; i += 2)
        buf[len++] = (uint8_t)((nibble(key, i) << 4) | nibble(key, i + 1));
    ldg_rlp_put_bytes(out, buf, len);
}

static void encode_node(ldg_rlp_buf *out, const ldg_mpt_item *it, size_t n, unsigned depth);

/* Appends the reference to the node over it[0..n) at depth: embedded or hashed. */
static void put_ref(ldg_rlp_buf *out, const ldg_mpt_item *it, size_t n, unsigned depth)
{
    ldg_rlp_buf node;
    ldg_rlp_init(&node);
    encode_node(&node, it, n, depth);
    if (node.failed) {
        out->failed = true;
    } else if (node.len < 32) {
        ldg_rlp_put_raw(out, node.data, node.len);
    } else {
        uint8_t h[32];
        ldg_keccak256(h, node.data, node.len);
        ldg_rlp_put_bytes(out, h, 32);
    }
    ldg_rlp_free(&node);
}

static void encode_node(ldg_rlp_buf *out, const ldg_mpt_item *it, size_t n, unsigned depth)
{
    size_t start = ldg_rlp_list_begin(out);
    if (n == 1) {
        put_hex_prefix(out, it[0].key, depth, KEY_NIBBLES, true);
        ldg_rlp_put_bytes(out, it[0].value, it[0].value_len);
        ldg_rlp_list_end(out, start);
        return;
    }
    /* Sorted: the common prefix of all is that of the first and the last. */
    unsigned cp = depth;
    while (cp < KEY_NIBBLES && nibble(it[0].key, cp) == nibble(it[n - 1].key, cp))
        cp++;
    LDG_ASSERT(cp < KEY_NIBBLES); /* keys are distinct */
    if (cp > depth) {
        put_hex_prefix(out, it[0].key, depth, cp, false);
        put_ref(out, it, n, cp);
        ldg_rlp_list_end(out, start);
        return;
    }
    size_t i = 0;
    for (unsigned nib = 0; nib < 16; nib++) {
        size_t j = i;
        while (j < n && nibble(it[j].key, depth) == nib)
            j++;
        if (j > i)
            put_ref(out, it + i, j - i, depth + 1);
        else
            ldg_rlp_put_bytes(out, NULL, 0);
        i = j;
    }
    ldg_rlp_put_bytes(out, NULL, 0); /* no value at a branch: all keys are 32 bytes */
    ldg_rlp_list_end(out, start);
}

static int cmp_items(const void *a, const void *b)
{
    return memcmp(((const ldg_mpt_item *)a)->key, ((const ldg_mpt_item *)b)->key, 32);
}

bool ldg_mpt_root(uint8_t root[32], ldg_mpt_item *items, size_t count)
{
    if (count == 0) {
        memcpy(root, LDG_MPT_EMPTY_ROOT, 32);
        return true;
    }
    qsort(items, count, sizeof *items, cmp_items);
    ldg_rlp_buf node;
    ldg_rlp_init(&node);
    encode_node(&node, items, count, 0);
    bool ok = !node.failed;
    if (ok)
        ldg_keccak256(root, node.data, node.len);
    ldg_rlp_free(&node);
    return ok;
}

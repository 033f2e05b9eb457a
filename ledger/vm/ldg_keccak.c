/* Keccak-256 sponge over nettle's Keccak-f[1600]. Lanes are little-endian 64-bit words. */
#include "ldg_keccak.h"

#include <string.h>

static void absorb_block(struct sha3_state *st, const uint8_t *block)
{
    for (size_t i = 0; i < LDG_KECCAK256_RATE / 8; i++) {
        uint64_t lane = 0;
        for (int b = 7; b >= 0; b--)
            lane = (lane << 8) | block[i * 8 + (size_t)b];
        st->a[i] ^= lane;
    }
    nettle_sha3_permute(st);
}

void ldg_keccak_init(ldg_keccak *k)
{
    memset(k, 0, sizeof *k);
}

void ldg_keccak_update(ldg_keccak *k, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    if (k->used) {
        size_t take = LDG_KECCAK256_RATE - k->used;
        if (take > len)
            take = len;
        memcpy(k->block + k->used, data, take);
        k->used += take;
        data += take;
        len -= take;
        if (k->used < LDG_KECCAK256_RATE)
            return;
        absorb_block(&k->state, k->block);
        k->used = 0;
    }
    while (len >= LDG_KECCAK256_RATE) {
        absorb_block(&k->state, data);
        data += LDG_KECCAK256_RATE;
        len -= LDG_KECCAK256_RATE;
    }
    memcpy(k->block, data, len);
    k->used = len;
}

void ldg_keccak_final(ldg_keccak *k, uint8_t out[32])
{
    memset(k->block + k->used, 0, LDG_KECCAK256_RATE - k->used);
    k->block[k->used] |= 0x01;
    k->block[LDG_KECCAK256_RATE - 1] |= 0x80;
    absorb_block(&k->state, k->block);
    for (size_t i = 0; i < 4; i++)
        for (size_t b = 0; b < 8; b++)
            out[i * 8 + b] = (uint8_t)(k->state.a[i] >> (8 * b));
}

void ldg_keccak256(uint8_t out[32], const uint8_t *data, size_t len)
{
    ldg_keccak k;
    ldg_keccak_init(&k);
    ldg_keccak_update(&k, data, len);
    ldg_keccak_final(&k, out);
}

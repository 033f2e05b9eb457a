#include "net_mix.h"
#include "ldg_assert.h"
#include "ldg_key.h"

#include <pthread.h>
#include <string.h>

static uint64_t mix_key[5];
static pthread_once_t mix_once = PTHREAD_ONCE_INIT;

static void mix_init(void)
{
    LDG_ASSERT(ldg_random(mix_key, sizeof mix_key) == LDG_OK);
    mix_key[4] |= 1; /* the final multiplier is odd: a bijection on 64 bits */
}

uint64_t net_mix32(const uint8_t b[32])
{
    pthread_once(&mix_once, mix_init);
    uint64_t w[4];
    memcpy(w, b, sizeof w);
    unsigned __int128 s = (unsigned __int128)(w[0] + mix_key[0]) * (w[1] + mix_key[1]) +
                          (unsigned __int128)(w[2] + mix_key[2]) * (w[3] + mix_key[3]);
    uint64_t h = (uint64_t)(s >> 64) ^ (uint64_t)s;
    /* Odd multiply, then the high half down: the low bits (the bucket) depend on every bit. */
    h *= mix_key[4];
    return h ^ (h >> 32);
}

/* Runs a libFuzzer target without libFuzzer: a seeded stream of random inputs and of
 * mutations of earlier inputs. Used by `make test` so every decoder target is exercised
 * under ASan+UBSan on every run. Usage: smoke_fuzz_x [ITERATIONS]; FOLIO_TEST_SEED replays.
 * smoke_fuzz_x --seeds DIR writes the target's seeds into DIR (a libFuzzer corpus), one file
 * each, and exits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: a target may provide seeds (valid encodings) to mutate. */
__attribute__((weak)) size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index);

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int write_seeds(const char *dir)
{
    static uint8_t buf[1 << 20];
    for (unsigned i = 0; folio_fuzz_seed && i < 64; i++) {
        size_t n = folio_fuzz_seed(buf, sizeof buf, i);
        if (n == 0)
            break;
        char path[4096];
        snprintf(path, sizeof path, "%s/seed-%02u", dir, i);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
        return write_seeds(argv[2]);
    unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    const char *env = getenv("FOLIO_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eedf011f011ULL;
    printf("fuzz smoke: seed=0x%llx iterations=%lu (replay with FOLIO_TEST_SEED)\n",
           (unsigned long long)seed, iterations);
    uint64_t s = seed | 1;
    static uint8_t seeds[64][4096];
    size_t seed_len[64] = {0};
    unsigned seed_count = 0;
    if (folio_fuzz_seed) {
        for (unsigned i = 0; i < 64; i++) {
            size_t n = folio_fuzz_seed(seeds[seed_count], sizeof seeds[0], i);
            if (n == 0)
                break;
            seed_len[seed_count++] = n;
            LLVMFuzzerTestOneInput(seeds[i], n);
        }
    }
    uint8_t buf[4096];
    for (unsigned long it = 0; it < iterations; it++) {
        size_t n;
        if (seed_count && (rng_next(&s) & 1)) {
            unsigned k = (unsigned)(rng_next(&s) % seed_count);
            n = seed_len[k];
            memcpy(buf, seeds[k], n);
            unsigned flips = 1 + (unsigned)(rng_next(&s) % 4);
            for (unsigned f = 0; f < flips && n; f++)
                buf[rng_next(&s) % n] ^= (uint8_t)(1u << (rng_next(&s) % 8));
            if (rng_next(&s) % 8 == 0)
                n = (size_t)(rng_next(&s) % (n + 1));
        } else {
            n = (size_t)(rng_next(&s) % 300);
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)rng_next(&s);
        }
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("fuzz smoke: %lu inputs, no crash\n", iterations);
    return 0;
}

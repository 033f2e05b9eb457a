/* The one way a libFuzzer target's seeds reach libFuzzer: every tests/fuzz/fuzz_<name>.c
 * defines folio_fuzz_seed (valid encodings, one per index), and this LLVMFuzzerInitialize,
 * linked into every libFuzzer target (tests/fuzz/CMakeLists.txt), writes them into the
 * corpus directory before fuzzing starts, so mutation begins from inputs that get past the
 * decoder's first checks. The corpus directory is the first argument that is not a -flag,
 * as libFuzzer reads it (`fuzz_x -max_total_time=60 CORPUS`); without one, no seeds.
 * The smoke driver (standalone.c) feeds the same folio_fuzz_seed in memory. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index);

/* Enough for every target's seed list; a seed index past the last returns 0. */
#define FUZZ_SEEDS_MAX 256
/* The largest seed any target writes (a block of transactions is the largest). */
#define FUZZ_SEED_BYTES (1u << 20)

static const char *corpus_dir(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-')
            return argv[i];
    return NULL;
}

static void write_seed(const char *dir, unsigned index, const uint8_t *buf, size_t len)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/seed-%03u", dir, index);
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "fuzz seeds: corpus path too long: %s\n", dir);
        exit(1);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "fuzz seeds: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = corpus_dir(*argc, *argv);
    static uint8_t buf[FUZZ_SEED_BYTES];
    unsigned i = 0;
    for (; dir && i < FUZZ_SEEDS_MAX; i++) {
        size_t len = folio_fuzz_seed(buf, sizeof buf, i);
        if (len == 0)
            break;
        write_seed(dir, i, buf, len);
    }
    if (dir)
        fprintf(stderr, "fuzz seeds: %u written to %s\n", i, dir);
    return 0;
}

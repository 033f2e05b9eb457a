/* Netting benchmark: 1,000,000 obligations, 500 participants, 5,000 ISINs, 3 currencies.
 * Prints one line: netting time (best of ROUNDS), the time to merely read the obligations
 * once (the floor, same run), their ratio, and peak RSS. Usage: bench_netting [N [ROUNDS]].
 * Target: netting <= 0.5 s on one core. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "stl_netting.h"

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The floor: one pass reading every obligation (both amounts and all indices). */
static uint64_t read_once(const stl_obligation *o, size_t n)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += o[i].quantity ^ o[i].cash_amount ^ o[i].from ^ ((uint64_t)o[i].to << 20) ^ o[i].isin;
    return acc;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    stl_net_dims d = {.participant_count = 500, .isin_count = 5000, .currency_count = 3};
    stl_obligation *o = calloc(n, sizeof *o);
    size_t cap = 2 * n;
    stl_net_out out = {.securities = calloc(cap, sizeof(stl_net_position)),
                       .securities_cap = cap,
                       .cash = calloc(cap, sizeof(stl_net_position)),
                       .cash_cap = cap,
                       .values = calloc(d.currency_count, sizeof(stl_net_value)),
                       .values_cap = d.currency_count};
    size_t bytes = stl_net_workspace_bytes(n);
    void *ws = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!o || !out.securities || !out.cash || !out.values || !ws)
        return 1;
    uint64_t s = 42;
    for (size_t i = 0; i < n; i++) {
        o[i].id = i;
        o[i].from = (uint32_t)(rng_next(&s) % d.participant_count);
        o[i].to = (uint32_t)((o[i].from + 1 + rng_next(&s) % (d.participant_count - 1)) %
                             d.participant_count);
        o[i].isin = (uint32_t)(rng_next(&s) % d.isin_count);
        o[i].currency = (uint32_t)(rng_next(&s) % d.currency_count);
        o[i].quantity = 1 + rng_next(&s) % 100000;
        o[i].cash_amount = 1 + rng_next(&s) % 1000000000;
    }
    double best_net = 1e9, best_read = 1e9;
    uint64_t sink = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_s();
        sink += read_once(o, n);
        double t1 = now_s();
        stl_net_rc rc = stl_net_compute(&out, ws, bytes, &d, o, n);
        double t2 = now_s();
        if (rc != STL_NET_OK) {
            fprintf(stderr, "bench_netting: %s\n", stl_net_rc_name(rc));
            return 1;
        }
        best_read = t1 - t0 < best_read ? t1 - t0 : best_read;
        best_net = t2 - t1 < best_net ? t2 - t1 : best_net;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("netting: %zu obligations 500 participants 5000 isins: %.3f s (target <= 0.5 s), "
           "read floor %.4f s, ratio %.1fx floor, positions %zu+%zu, netting efficiency "
           "%.2f%%, peak rss %ld MiB%s\n",
           n, best_net, best_read, best_net / best_read, out.securities_count, out.cash_count,
           out.gross_value ? 100.0 * (1.0 - (double)out.net_value / (double)out.gross_value) : 0.0,
           ru.ru_maxrss / 1024, sink == 1 ? " " : "");
    return best_net <= 0.5 ? 0 : 3;
}

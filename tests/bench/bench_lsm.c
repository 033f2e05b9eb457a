/* LSM benchmark. Three lines:
 *   quality: the stored instances (tests/bench/data/lsm, 20 participants, 400 payments,
 *            scarce liquidity) against their cbc-proven optima: mean and min % of optimum,
 *            and the classic heuristic's mean and min in the same run; then the same for
 *            the validation set (tests/bench/data/lsm_val: same generator, another seed,
 *            never used to tune the solver).
 *   speed:   100,000 queued payments across 500 participants: solve time (target <= 1 s)
 *            next to the classic heuristic's time on the same queue, and value vs classic.
 * Usage: bench_lsm [DATA_DIR [N]]  (DATA_DIR: one set only; default both stored sets under
 * $FOLIO_SRC/tests/bench/data, else ./tests/bench/data). FOLIO_BENCH_VERBOSE=1 prints
 * every instance. Exit 3 if a target is missed. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "stl_lsm.h"
#include "stl_lsm_json.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct solved {
    uint64_t value;
    double seconds;
    stl_lsm_method method;
} solved;

static int solve(solved *out, const stl_lsm_problem *p, bool classic)
{
    size_t bytes = stl_lsm_workspace_bytes(p->account_count, p->instr_count, p->leg_count);
    void *ws = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    uint8_t *settled = calloc(p->instr_count + 1, 1);
    uint64_t *final = calloc(p->account_count + 1, sizeof *final);
    if (!ws || !settled || !final)
        return -1;
    stl_lsm_result r = {.settled = settled, .final_balances = final};
    double t0 = now_s();
    stl_lsm_rc rc =
        classic ? stl_lsm_solve_classic(&r, ws, bytes, p) : stl_lsm_solve(&r, ws, bytes, p);
    out->seconds = now_s() - t0;
    out->value = r.settled_value;
    out->method = r.method;
    free(ws);
    free(settled);
    free(final);
    return rc == STL_LSM_OK ? 0 : -1;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Returns 0 if mean >= 98% and min >= 95% of the optima. */
static int bench_quality(const char *dir, const char *label)
{
    bool verbose = getenv("FOLIO_BENCH_VERBOSE") != NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/optima.json", dir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    json_t *optima = json_object_get(root, "optima");
    if (!json_is_object(optima)) {
        fprintf(stderr, "bench_lsm: cannot read %s\n", path);
        return 1;
    }
    const char *name;
    json_t *v;
    double sum = 0, min = 1e9, csum = 0, cmin = 1e9, secs = 0;
    int count = 0, optimal = 0;
    json_object_foreach(optima, name, v)
    {
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        char *text = read_file(path, &len), err[256];
        stl_lsm_doc doc;
        if (!text || stl_lsm_doc_parse(&doc, err, sizeof err, text, len) != LDG_OK) {
            fprintf(stderr, "bench_lsm: %s: %s\n", path, text ? err : "cannot read");
            return 1;
        }
        solved s, c;
        if (solve(&s, &doc.problem, false) || solve(&c, &doc.problem, true))
            return 1;
        double opt = (double)json_integer_value(v);
        double q = 100.0 * (double)s.value / opt, cq = 100.0 * (double)c.value / opt;
        sum += q;
        csum += cq;
        min = q < min ? q : min;
        cmin = cq < cmin ? cq : cmin;
        secs += s.seconds;
        optimal += s.value == (uint64_t)json_integer_value(v);
        if (verbose)
            printf("  %s: %.2f%% (%" PRIu64 " of %.0f, %s, %.1f ms), classic %.2f%%\n", name, q,
                   s.value, opt, stl_lsm_method_name(s.method), 1000.0 * s.seconds, cq);
        count++;
        stl_lsm_doc_free(&doc);
        free(text);
    }
    json_decref(root);
    printf("lsm quality %s: %d instances (20 participants, 400 payments, scarce liquidity): "
           "mean %.2f%% min %.2f%% of cbc optimum (target mean >= 98%%, min >= 95%%), %d/%d "
           "optimal, %.1f ms/instance; classic heuristic mean %.2f%% min %.2f%%; ratio vs "
           "classic %.2fx\n",
           label, count, sum / count, min, optimal, count, 1000.0 * secs / count, csum / count,
           cmin, sum / csum);
    return sum / count >= 98.0 && min >= 95.0 ? 0 : 3;
}

/* n payments across `participants` single-asset accounts, balances 5-20% of outflow. */
static int bench_speed(uint32_t n, uint32_t participants)
{
    uint64_t s = 7, *out = calloc(participants, sizeof *out), *bal = calloc(participants, 8);
    stl_lsm_instr *in = calloc(n, sizeof *in);
    stl_lsm_leg *legs = calloc(n, sizeof *legs);
    if (!out || !bal || !in || !legs)
        return 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t f = (uint32_t)(rng_next(&s) % participants);
        uint32_t t = (uint32_t)((f + 1 + rng_next(&s) % (participants - 1)) % participants);
        uint64_t amount = 1 + rng_next(&s) % 100000;
        legs[i] = (stl_lsm_leg){.from = f, .to = t, .amount = amount};
        in[i] = (stl_lsm_instr){.id = i, .leg_first = i, .leg_count = 1};
        out[f] += amount;
    }
    for (uint32_t a = 0; a < participants; a++)
        bal[a] = out[a] * (5 + rng_next(&s) % 16) / 100;
    stl_lsm_problem p = {.balances = bal,
                         .account_count = participants,
                         .instrs = in,
                         .instr_count = n,
                         .legs = legs,
                         .leg_count = n};
    solved x, c;
    if (solve(&c, &p, true) || solve(&x, &p, false))
        return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("lsm speed: %u payments 500 participants: %.3f s (target <= 1 s, method %s), classic "
           "heuristic %.3f s, time ratio %.1fx classic, value %.2f%% of classic's, peak rss "
           "%ld MiB\n",
           n, x.seconds, stl_lsm_method_name(x.method), c.seconds, x.seconds / c.seconds,
           100.0 * (double)x.value / (double)c.value, ru.ru_maxrss / 1024);
    free(out);
    free(bal);
    free(in);
    free(legs);
    return x.seconds <= 1.0 ? 0 : 3;
}

int main(int argc, char **argv)
{
    char dir[4096];
    const char *src = getenv("FOLIO_SRC");
    uint32_t n = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 100000;
    int q;
    if (argc > 1) {
        q = bench_quality(argv[1], argv[1]);
    } else {
        snprintf(dir, sizeof dir, "%s/tests/bench/data/lsm", src ? src : ".");
        q = bench_quality(dir, "tuning set");
        snprintf(dir, sizeof dir, "%s/tests/bench/data/lsm_val", src ? src : ".");
        int qv = bench_quality(dir, "validation set");
        q = q ? q : qv;
    }
    int sp = bench_speed(n, 500);
    return q ? q : sp;
}

/* One page of a member's evidence store for mirrors (`evidence_slices`, specs/evidence.md
 * §2.4): read from the store's index (net_evstore_page: one seek, LDG_EV_LIST_MAX rows)
 * against the listing it replaced, measured in the same run on the same store: a scan of
 * the store's folder for the anchor sidecars, keeping the LDG_EV_LIST_MAX + 1 smallest
 * roots after the cursor (the former m_slices). Prints both and their ratio.
 *
 *   bench_evstore [SLICES]     (default 100000 anchored slices)                     */
#include "ldg_limits.h"
#include "net_evstore.h"
#include "net_home.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    return memcmp(a, b, LDG_HASH_LEN);
}

/* The former listing: every sidecar name of the folder, the page's smallest after `after`. */
static size_t scan_page(const char *store, const ldg_hash *after, ldg_hash *roots)
{
    size_t cnt = 0, cap = LDG_EV_LIST_MAX + 1, top = 0;
    DIR *d = opendir(store);
    for (struct dirent *e; d && (e = readdir(d));) {
        ldg_hash r;
        char hx[65];
        if (strlen(e->d_name) != 71 || strcmp(e->d_name + 64, ".anchor") != 0)
            continue;
        memcpy(hx, e->d_name, 64);
        hx[64] = '\0';
        if (ldg_hex_decode(r.b, LDG_HASH_LEN, hx) != 0 || cmp(&r, after) <= 0)
            continue;
        if (cnt < cap) {
            roots[cnt++] = r;
            if (cnt == cap)
                for (size_t i = 0; i < cnt; i++)
                    top = cmp(&roots[i], &roots[top]) > 0 ? i : top;
            continue;
        }
        if (cmp(&r, &roots[top]) >= 0)
            continue;
        roots[top] = r;
        for (size_t i = 0; i < cnt; i++)
            top = cmp(&roots[i], &roots[top]) > 0 ? i : top;
    }
    if (d)
        closedir(d);
    qsort(roots, cnt, sizeof *roots, cmp);
    return cnt;
}

int main(int argc, char **argv)
{
    long slices = argc > 1 ? atol(argv[1]) : 100000;
    char store[] = "/tmp/folio-bench-evstore.XXXXXX", err[512];
    if (slices < LDG_EV_LIST_MAX * 2 || !mkdtemp(store))
        return 2;
    for (long i = 0; i < slices; i++) { /* sidecars written directly: the setup, not measured */
        ldg_hash r;
        char path[NET_PATH_MAX + 80];
        ldg_sha256(&r, &i, sizeof i);
        net_evstore_path(path, sizeof path, store, &r, "anchor");
        FILE *f = fopen(path, "w");
        if (!f)
            return 1;
        fprintf(f, "%064d\n", 0);
        fclose(f);
    }
    ldg_hash *roots = malloc((LDG_EV_LIST_MAX + 1) * sizeof *roots), after;
    size_t n;
    uint64_t next;
    bool more;
    double t0 = now_s();
    if (net_evstore_page(store, 0, roots, LDG_EV_LIST_MAX, &n, &next, &more, err, sizeof err))
        return 1;
    double build = now_s() - t0;
    const int reps = 20;
    double scan = 0, page = 0;
    for (int k = 0; k < reps; k++) {
        memset(after.b, 0x80, LDG_HASH_LEN); /* a page from the middle */
        t0 = now_s();
        n = scan_page(store, &after, roots);
        scan += now_s() - t0;
        t0 = now_s();
        if (net_evstore_page(store, (uint64_t)slices / 2, roots, LDG_EV_LIST_MAX, &n, &next, &more,
                             err, sizeof err) ||
            n != LDG_EV_LIST_MAX)
            return 1;
        page += now_s() - t0;
    }
    printf("evidence_slices page of %d roots in a store of %ld anchored slices (mean of %d):\n"
           "  folder scan (the former listing): %.2f ms\n"
           "  index page (net_evstore_page):    %.3f ms\n"
           "  ratio scan / index: %.0fx   (index built once from the folder: %.0f ms)\n",
           LDG_EV_LIST_MAX, slices, reps, scan / reps * 1e3, page / reps * 1e3, scan / page,
           build * 1e3);
    free(roots);
    char cmd[sizeof store + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", store);
    return system(cmd) == 0 ? 0 : 1;
}

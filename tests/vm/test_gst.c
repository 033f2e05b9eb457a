/* Runs ethereum/tests v14.1 GeneralStateTests (Cancun posts) through the state-test
 * runner. Every vector must pass except those named in tests/vm/gst_excluded.txt, each
 * excluded by a decision documented in specs/vm.md; an excluded vector that passes fails
 * the suite too, so the list stays exact. FOLIO_GST_SHARD=i/n runs the files whose index
 * (in sorted path order) is i modulo n, so CTest runs the folder in parallel shards
 * (tests/CMakeLists.txt). Data: $FOLIO_SHARED/conformance (falls back to
 * $FOLIO_SRC/../shared). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ldg_statetest.h"

#define GST "conformance/ethereum-tests-v14.1/GeneralStateTests"
#define EXCLUDED "tests/vm/gst_excluded.txt"
#define EXCLUDED_MAX 256
#define NAME_MAX_LEN 512

typedef struct gst_run {
    char *excluded[EXCLUDED_MAX];
    size_t excluded_count;
    size_t excluded_failed; /* excluded vectors seen failing, as documented */
    size_t failed;
    char text[16384]; /* failures and passing excluded vectors, for the message */
    size_t len;
} gst_run;

static void note(gst_run *g, const char *fmt, const char *name, size_t post, const char *file,
                 const char *detail)
{
    if (g->len + 512 >= sizeof g->text)
        return;
    int n = snprintf(g->text + g->len, sizeof g->text - g->len, fmt, name, post, file, detail);
    if (n > 0)
        g->len += (size_t)n;
}

static bool is_excluded(const gst_run *g, const char *key)
{
    for (size_t i = 0; i < g->excluded_count; i++)
        if (!strcmp(g->excluded[i], key))
            return true;
    return false;
}

static void on_case(void *user, const ldg_statetest_case *c)
{
    gst_run *g = user;
    char key[NAME_MAX_LEN + 32];
    snprintf(key, sizeof key, "%s[%zu]", c->name, c->post_index);
    const char *file = strrchr(c->file, '/') ? strrchr(c->file, '/') + 1 : c->file;
    if (is_excluded(g, key)) {
        if (c->passed)
            note(g, "  excluded but passes: %s[%zu] %s%s\n", c->name, c->post_index, file, "");
        else
            g->excluded_failed++;
        return;
    }
    if (!c->passed) {
        g->failed++;
        note(g, "  %s[%zu] %s: %.200s\n", c->name, c->post_index, file, c->detail);
    }
}

static void shared_path(char *out, size_t len, const char *rel)
{
    const char *shared = getenv("FOLIO_SHARED");
    const char *src = getenv("FOLIO_SRC");
    if (shared)
        snprintf(out, len, "%s/%s", shared, rel);
    else
        snprintf(out, len, "%s/../shared/%s", src ? src : ".", rel);
}

static void load_excluded(gst_run *g)
{
    const char *src = getenv("FOLIO_SRC");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", src ? src : ".", EXCLUDED);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f, "cannot read %s (set FOLIO_SRC)", path);
    char line[NAME_MAX_LEN + 32];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        ck_assert_uint_lt(g->excluded_count, EXCLUDED_MAX);
        g->excluded[g->excluded_count] = strdup(line);
        ck_assert(g->excluded[g->excluded_count]);
        g->excluded_count++;
    }
    fclose(f);
}

typedef struct path_list {
    char **v;
    size_t n, cap;
} path_list;

static void collect(path_list *l, const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        ck_assert(stat(p, &st) == 0);
        if (S_ISDIR(st.st_mode)) {
            collect(l, p);
            continue;
        }
        size_t nl = strlen(e->d_name);
        if (nl < 5 || strcmp(e->d_name + nl - 5, ".json"))
            continue;
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 1024;
            l->v = realloc(l->v, l->cap * sizeof *l->v);
            ck_assert(l->v);
        }
        l->v[l->n] = strdup(p);
        ck_assert(l->v[l->n]);
        l->n++;
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_gst_pass_except_excluded)
{
    unsigned shard = 0, shards = 1;
    const char *sh = getenv("FOLIO_GST_SHARD");
    if (sh)
        ck_assert_msg(sscanf(sh, "%u/%u", &shard, &shards) == 2 && shard < shards,
                      "FOLIO_GST_SHARD must be i/n with i < n");
    static gst_run g;
    memset(&g, 0, sizeof g);
    load_excluded(&g);
    char dir[4096], err[512] = "";
    shared_path(dir, sizeof dir, GST);
    path_list l = {0};
    collect(&l, dir);
    qsort(l.v, l.n, sizeof *l.v, cmp_str);
    ldg_statetest_totals t = {0};
    size_t files = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (i % shards != shard)
            continue;
        files++;
        int rc = ldg_statetest_run_path(l.v[i], on_case, &g, &t, err, sizeof err);
        ck_assert_msg(rc == 0, "runner error: %s", err);
    }
    printf("GeneralStateTests shard %u/%u: %zu files, %zu vectors: %zu passed, %zu excluded "
           "(failing as documented), %zu failed\n",
           shard, shards, files, t.passed + t.failed, t.passed, g.excluded_failed, g.failed);
    ck_assert_msg(files > 0, "no state test files in %s", dir);
    ck_assert_msg(g.failed == 0 && g.len == 0, "%zu vectors failed:\n%s", g.failed, g.text);
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i]);
    free(l.v);
    for (size_t i = 0; i < g.excluded_count; i++)
        free(g.excluded[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_gst");
    TCase *tc = tcase_create("gst");
    tcase_set_timeout(tc, 1200);
    tcase_add_test(tc, test_gst_pass_except_excluded);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

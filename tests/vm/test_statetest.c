/* Runs every ethereum/tests VMTests vector (Cancun posts) through the state-test runner
 * and fails listing the vectors that do not match. Data: $FOLIO_SHARED/conformance
 * (falls back to $FOLIO_SRC/../shared). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_statetest.h"

#define VMTESTS "conformance/ethereum-tests-v14.1/VMTests"
#define VMTESTS_VECTORS 651

typedef struct failures {
    char text[16384];
    size_t len;
} failures;

static void on_case(void *user, const ldg_statetest_case *c)
{
    failures *f = user;
    if (c->passed || f->len + 256 >= sizeof f->text)
        return;
    int n = snprintf(f->text + f->len, sizeof f->text - f->len, "  %s [%zu] %s: %.160s\n", c->name,
                     c->post_index, strrchr(c->file, '/') + 1, c->detail);
    if (n > 0)
        f->len += (size_t)n;
}

static void vmtests_dir(char *out, size_t len)
{
    const char *shared = getenv("FOLIO_SHARED");
    const char *src = getenv("FOLIO_SRC");
    if (shared)
        snprintf(out, len, "%s/%s", shared, VMTESTS);
    else
        snprintf(out, len, "%s/../shared/%s", src ? src : ".", VMTESTS);
}

START_TEST(test_vmtests_all_pass)
{
    char dir[4096], err[512] = "";
    vmtests_dir(dir, sizeof dir);
    static failures f;
    memset(&f, 0, sizeof f);
    ldg_statetest_totals t = {0};
    int rc = ldg_statetest_run_path(dir, on_case, &f, &t, err, sizeof err);
    ck_assert_msg(rc == 0, "runner error: %s", err);
    printf("VMTests: %zu passed, %zu failed\n", t.passed, t.failed);
    ck_assert_msg(t.failed == 0, "%zu of %zu vectors failed:\n%s", t.failed, t.passed + t.failed,
                  f.text);
    ck_assert_uint_eq(t.passed, VMTESTS_VECTORS);
}
END_TEST

START_TEST(test_missing_path_is_an_error)
{
    char err[512] = "";
    ldg_statetest_totals t = {0};
    ck_assert_int_eq(ldg_statetest_run_path("/nonexistent/x.json", NULL, NULL, &t, err, sizeof err),
                     -1);
    ck_assert(strlen(err) > 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_statetest");
    TCase *tc = tcase_create("vmtests");
    tcase_set_timeout(tc, 1100); /* under ASan on a shared 2-core machine it needs minutes */
    tcase_add_test(tc, test_vmtests_all_pass);
    tcase_add_test(tc, test_missing_path_is_an_error);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

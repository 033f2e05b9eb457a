/* Unit tests for the explorer's static files (net/net_http_static.c,
 * specs/explorer.md): the files of web/explorer are built in and found by path, /explorer and
 * /explorer/ are the index, unknown paths are not served, each reply carries the
 * Content-Security-Policy and a head that fits the server's header buffer, and no script
 * writes markup from text (innerHTML and friends), so hostile names stay text. */
#include "testlib.h"

#include "net_http_serve.h"
#include "net_http_static.h"

/* net_http_server.c writes a reply's head into a buffer of this size (and asserts it fits). */
#define SERVER_HEAD_BUF 512

static bool has(const net_http_static_file *f, const char *needle)
{
    return memmem(f->data, f->len, needle, strlen(needle)) != NULL;
}

START_TEST(test_files_built_in)
{
    static const char *const want[] = {"/explorer/index.html", "/explorer/app.js",
                                       "/explorer/dom.js",     "/explorer/verify.js",
                                       "/explorer/chart.js",   "/explorer/explorer.css"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const net_http_static_file *f = net_http_static_find(want[i]);
        ck_assert_msg(f != NULL, "%s is not built in", want[i]);
        ck_assert_msg(f->len > 100, "%s is %zu bytes", want[i], f->len);
        ck_assert_msg(f->data[f->len] == 0, "%s is not NUL-terminated", want[i]);
    }
    ck_assert_ptr_eq(net_http_static_find("/explorer"), net_http_static_find("/explorer/"));
    ck_assert_ptr_eq(net_http_static_find("/explorer/"),
                     net_http_static_find("/explorer/index.html"));
    ck_assert_str_eq(net_http_static_find("/explorer/app.js")->ctype,
                     "text/javascript; charset=utf-8");
    ck_assert(net_http_static_find("/explorer/nope.js") == NULL);
    ck_assert(net_http_static_find("/explorer/../CMakeLists.txt") == NULL);
    ck_assert(net_http_static_find("/explorer/embed.cmake") == NULL);
    ck_assert(net_http_static_find("/") == NULL);
    ck_assert(net_http_serve_special("/explorer/app.js"));
    ck_assert(!net_http_serve_special("/explorer/nope.js"));
}
END_TEST

START_TEST(test_reply_head_and_csp)
{
    for (size_t i = 0; i < net_http_static_count; i++) {
        const net_http_static_file *f = &net_http_static_files[i];
        net_http_reply r;
        memset(&r, 0, sizeof r);
        net_http_static_reply(f, &r);
        ck_assert_int_eq(r.status, 200);
        ck_assert_uint_eq(r.len, f->len);
        ck_assert(memcmp(r.body, f->data, f->len) == 0);
        char head[SERVER_HEAD_BUF];
        int n = net_http_reply_head(&r, true, head, sizeof head);
        ck_assert_int_lt(n, SERVER_HEAD_BUF);
        ck_assert_msg(
            strstr(head, "Content-Security-Policy: default-src 'none'; script-src 'self';"),
            "%s: no CSP in %s", f->path, head);
        ck_assert(strstr(head, "X-Content-Type-Options: nosniff"));
        free(r.body);
    }
}
END_TEST

/* Data reaches the page only as text: no script may parse markup. */
START_TEST(test_no_markup_sinks)
{
    static const char *const sinks[] = {"innerHTML",      "outerHTML", "insertAdjacentHTML",
                                        "document.write", "eval(",     "new Function"};
    int scripts = 0;
    for (size_t i = 0; i < net_http_static_count; i++) {
        const net_http_static_file *f = &net_http_static_files[i];
        if (!strstr(f->ctype, "javascript"))
            continue;
        scripts++;
        for (size_t k = 0; k < sizeof sinks / sizeof sinks[0]; k++)
            ck_assert_msg(!has(f, sinks[k]), "%s uses %s", f->path, sinks[k]);
    }
    ck_assert_int_ge(scripts, 4);
    /* and the page loads no inline script (the CSP would refuse it) */
    const net_http_static_file *idx = net_http_static_find("/explorer/");
    ck_assert(has(idx, "<script type=\"module\" src=\"/explorer/app.js\"></script>"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_static");
    TCase *tc = tcase_create("files");
    tcase_add_test(tc, test_files_built_in);
    tcase_add_test(tc, test_reply_head_and_csp);
    tcase_add_test(tc, test_no_markup_sinks);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

/* libFuzzer target for the date and duration parsers (assets/ast_date).
 *
 * Properties checked on every input, not just "no crash":
 * - a date that parses formats back to exactly the input bytes (one spelling per date);
 * - a parsed date converts to block time and back to itself when on or after 1970;
 * - month arithmetic from a parsed date stays in range or reports AST_DATE_ERR_RANGE;
 * - a duration that parses is its number times its unit, re-derived here in 128 bits;
 * - identifier and date validators never read past `size` (ASan).
 * The input is tried whole as a date and as a duration. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ast_date.h"
#include "ast_isin.h"

static void check_date(const char *s, size_t n)
{
    ast_date d;
    if (ast_date_parse(&d, s, n) != AST_DATE_OK)
        return;
    LDG_ASSERT(ast_date_is_valid(d));
    char buf[AST_DATE_STR_SIZE];
    LDG_ASSERT(ast_date_format(buf, sizeof buf, d) == AST_DATE_STR_LEN);
    LDG_ASSERT(n == AST_DATE_STR_LEN && memcmp(buf, s, n) == 0);
    uint64_t start, end;
    if (ast_date_start_ms(&start, d) == AST_DATE_OK) {
        LDG_ASSERT(ast_date_end_ms(&end, d) == AST_DATE_OK);
        ast_date back;
        LDG_ASSERT(ast_date_from_block_time(&back, end) == AST_DATE_OK);
        LDG_ASSERT(back.days == d.days && end - start == AST_MS_PER_DAY - 1);
    } else {
        LDG_ASSERT(d.days < 0);
    }
    int32_t months = (int32_t)(d.days % 2400) - 1200;
    ast_date r;
    ast_date_err err = ast_date_add_months(&r, d, months);
    LDG_ASSERT(err == AST_DATE_OK ? ast_date_is_valid(r) : err == AST_DATE_ERR_RANGE);
}

static void check_duration(const char *s, size_t n)
{
    uint64_t ms;
    if (ast_duration_parse(&ms, s, n) != AST_DATE_OK)
        return;
    LDG_ASSERT(n >= 2);
    unsigned __int128 v = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        LDG_ASSERT(s[i] >= '0' && s[i] <= '9');
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    LDG_ASSERT(n == 2 || s[0] != '0');
    static const char units[] = "smhdw";
    static const uint64_t scale[] = {AST_MS_PER_SECOND, AST_MS_PER_MINUTE, AST_MS_PER_HOUR,
                                     AST_MS_PER_DAY, AST_MS_PER_WEEK};
    const char *u = memchr(units, s[n - 1], 5);
    LDG_ASSERT(u != NULL);
    LDG_ASSERT(v * scale[u - units] == ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy so that ASan catches any read past `size` (the fuzzer's buffer may be larger). */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    check_date(s, size);
    check_duration(s, size);
    ast_isin_err isin = ast_isin_validate(s, size), lei = ast_lei_validate(s, size);
    LDG_ASSERT(isin != AST_ISIN_OK || size == AST_ISIN_LEN);
    LDG_ASSERT(lei != AST_ISIN_OK || size == AST_LEI_LEN);
    free(s);
    return 0;
}

/* Seeds for the standalone smoke driver: valid spellings to mutate. */
size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    static const char *const seeds[] = {
        "2024-02-29", "1970-01-01", "9999-12-31", "0001-01-01", "2023-12-31", "30d",
        "12h",        "90m",        "45s",        "2w",         "0s",         "18446744073709551s",
    };
    if (index >= LDG_ARRAY_LEN(seeds))
        return 0;
    size_t n = strlen(seeds[index]);
    if (n > cap)
        return 0;
    memcpy(out, seeds[index], n);
    return n;
}

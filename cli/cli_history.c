/* Past state from the CLI (specs/state.md §5.6): --height H and --record-date DATE for
 * `asset holders`, --height H for `account balance`.
 * A date names the state at the end of that day (UTC): the last block whose time is
 * before the next midnight, found by bisecting the block times over the `block` method. */
#include "cli_history.h"

#include <stdlib.h>
#include <string.h>

/* Block h's time (ms) and the tip height (from status) through the node. */
static bool block_time(cli_ctx *ctx, uint64_t h, uint64_t *time_ms, int *rc)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_str(&e, "block");
    ldg_enc_u64(&e, h);
    ldg_enc_nil(&e);
    ldg_enc_u64(&e, 1);
    json_t *j = cli_call(ctx, &e, rc);
    ldg_enc_free(&e);
    if (!j)
        return false;
    *time_ms = (uint64_t)json_integer_value(json_object_get(j, "time_ms"));
    json_decref(j);
    return true;
}

static bool tip_height(cli_ctx *ctx, uint64_t *tip, int *rc)
{
    json_t *j = cli_query(ctx, "status", NULL, rc);
    if (!j)
        return false;
    *tip = (uint64_t)json_integer_value(json_object_get(j, "height"));
    json_decref(j);
    return true;
}

/* The last block before midnight after `days`: bisection over heights (block times
 * strictly increase, consensus.md). */
static int height_of_date(cli_ctx *ctx, const char *date, int64_t days, uint64_t *out)
{
    int rc;
    uint64_t tip, t0;
    if (!tip_height(ctx, &tip, &rc) || !block_time(ctx, 0, &t0, &rc))
        return rc;
    int64_t end = (days + 1) * 86400000LL;
    if (end <= 0 || (uint64_t)end <= t0) {
        cli_fail(ctx, "NOT_FOUND", "the chain has no block by the end of %s: it began later", date);
        return CLI_REJECTED;
    }
    uint64_t lo = 0, hi = tip; /* time(lo) < end; find the greatest such */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2, t;
        if (!block_time(ctx, mid, &t, &rc))
            return rc;
        if (t < (uint64_t)end)
            lo = mid;
        else
            hi = mid - 1;
    }
    *out = lo;
    return CLI_OK;
}

int cli_history_parse(cli_ctx *ctx, int argc, char **argv, cli_when *when)
{
    memset(when, 0, sizeof *when);
    const char *hs = cli_opt(argc, argv, "--height");
    const char *ds = cli_opt(argc, argv, "--record-date");
    if (hs && ds) {
        cli_fail(ctx, "USAGE", "give one of --height and --record-date");
        return CLI_USAGE;
    }
    if (hs) {
        if (!cli_parse_u64(hs, INT64_MAX, &when->height)) {
            cli_fail(ctx, "USAGE", "--height takes a block height (a whole number)");
            return CLI_USAGE;
        }
        when->set = true;
        return CLI_OK;
    }
    const char *date = ds;
    if (!date)
        return CLI_OK;
    int64_t days;
    if (!cli_parse_date(date, &days)) {
        cli_fail(ctx, "USAGE",
                 "--record-date takes a date YYYY-MM-DD (the state at the end of that day, UTC)");
        return CLI_USAGE;
    }
    int rc = cli_connect(ctx);
    if (rc == CLI_OK)
        rc = height_of_date(ctx, date, days, &when->height);
    when->set = rc == CLI_OK;
    snprintf(when->date, sizeof when->date, "%s", date);
    return rc;
}

json_t *cli_history_list(cli_ctx *ctx, const char *method, const char *fixed, const cli_page *p,
                         const cli_when *when, int *exit_code)
{
    if (!when->set)
        return cli_list_query(ctx, method, fixed, p, exit_code);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 5);
    ldg_enc_str(&e, method);
    ldg_enc_str(&e, fixed);
    cli_page_enc(&e, p);
    ldg_enc_u64(&e, when->height);
    json_t *j = cli_call(ctx, &e, exit_code);
    ldg_enc_free(&e);
    return j;
}

void cli_history_title(const cli_when *when)
{
    if (!when->set)
        return;
    if (when->date[0])
        printf("as of the end of %s (block %llu)\n", when->date, (unsigned long long)when->height);
    else
        printf("as of block %llu\n", (unsigned long long)when->height);
}

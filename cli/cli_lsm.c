/* folio lsm solve FILE.json [--json]: the liquidity-saving solver, offline. Reads the
 * document described in settlement/stl_lsm_json.h, solves it with stl_lsm_solve and prints
 * the settled ids, the settled value and the final balances. Exit 0 on success, 2 on bad
 * usage or bad input (one sentence on stderr). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stl_lsm.h"
#include "stl_lsm_json.h"

/* Largest input file: 2^18 instructions of ~150 bytes each, with slack. */
#define CLI_LSM_FILE_MAX (64L * 1024 * 1024)

static void cli_lsm_usage(FILE *out)
{
    fprintf(
        out,
        "usage: folio lsm solve FILE.json [--json]\n\n"
        "Chooses the queued instructions that settle together for the largest value\n"
        "(the value of an instruction is the amount of its first leg), keeping every\n"
        "balance non-negative. FILE.json:\n"
        "  {\"balances\": {\"A\": {\"CNY\": 3}, ...},\n"
        "   \"instructions\": [{\"id\": \"p1\", \"legs\": [{\"from\": \"A\", \"to\": \"B\",\n"
        "                     \"asset\": \"CNY\", \"amount\": 5}, ...]}, ...]}\n"
        "Unlike every other folio command, this offline format and its output are in\n"
        "integers of MINOR UNITS (fen for CNY: 100.50 CNY is 10050), 0 to %llu; the\n"
        "solver knows no currency scale (specs/settlement.md). At most %u instructions.\n\n"
        "  --json   print {\"settled\": [ids], \"settled_value\": N, \"final_balances\": {...}}\n",
        (unsigned long long)STL_AMOUNT_MAX, STL_LSM_INSTR_MAX);
}

static char *cli_lsm_read(cli_ctx *ctx, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_fail(ctx, "IO", "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(CLI_LSM_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, CLI_LSM_FILE_MAX + 1, f) : 0;
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        cli_fail(ctx, "IO", "cannot read %s", path);
    } else if (n > CLI_LSM_FILE_MAX) {
        cli_fail(ctx, "TOO_LARGE", "%s is larger than %ld bytes", path, CLI_LSM_FILE_MAX);
        bad = true;
    }
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static const char *cli_lsm_rc_sentence(stl_lsm_rc rc)
{
    switch (rc) {
    case STL_LSM_OVERFLOW:
        return "amounts overflow: a participant's balance plus its incoming amounts, its "
               "outgoing amounts, or the total value of the queue exceeds 2^63-1";
    case STL_LSM_TOO_MANY:
        return "the input exceeds a solver limit";
    default:
        return "the input is not a valid problem";
    }
}

static json_t *cli_lsm_balances_json(const stl_lsm_doc *d, const uint64_t *final)
{
    json_t *all = json_object();
    for (uint32_t k = 0; k < d->account_count; k++) {
        const char *p = d->participants[d->account_participant[k]];
        json_t *mine = json_object_get(all, p);
        if (!mine) {
            mine = json_object();
            json_object_set_new(all, p, mine);
        }
        json_object_set_new(mine, d->assets[d->account_asset[k]],
                            json_integer((json_int_t) final[k]));
    }
    return all;
}

static void cli_lsm_print_json(const stl_lsm_doc *d, const stl_lsm_result *r)
{
    json_t *root = json_object(), *ids = json_array();
    for (uint32_t i = 0; i < d->instr_count; i++) /* instructions are sorted by id */
        if (r->settled[i])
            json_array_append_new(ids, json_string(d->ids[d->instrs[i].id]));
    json_object_set_new(root, "settled", ids);
    json_object_set_new(root, "settled_value", json_integer((json_int_t)r->settled_value));
    json_object_set_new(root, "final_balances", cli_lsm_balances_json(d, r->final_balances));
    json_object_set_new(root, "method", json_string(stl_lsm_method_name(r->method)));
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(root);
}

static void cli_lsm_print_table(const stl_lsm_doc *d, const stl_lsm_result *r)
{
    printf("settled %u of %u instructions, value %llu minor units (%s)\n\n", r->settled_count,
           d->instr_count, (unsigned long long)r->settled_value,
           r->method == STL_LSM_HEURISTIC ? "best found within the work budget"
           : r->method == STL_LSM_EXACT   ? "proven optimal"
                                          : "whole queue");
    printf("%-8s %-24s %20s\n", "status", "instruction", "value (minor)");
    for (int pass = 1; pass >= 0; pass--)
        for (uint32_t i = 0; i < d->instr_count; i++)
            if (r->settled[i] == pass)
                printf("%-8s %-24s %20llu\n", pass ? "settled" : "queued", d->ids[d->instrs[i].id],
                       (unsigned long long)d->legs[d->instrs[i].leg_first].amount);
    printf("\n%-24s %-12s %20s %20s\n", "participant", "asset", "before (minor)", "after (minor)");
    for (uint32_t k = 0; k < d->account_count; k++)
        printf("%-24s %-12s %20llu %20llu\n", d->participants[d->account_participant[k]],
               d->assets[d->account_asset[k]], (unsigned long long)d->balances[k],
               (unsigned long long)r->final_balances[k]);
}

static int cli_lsm_solve(cli_ctx *ctx, const char *path)
{
    size_t len;
    char *text = cli_lsm_read(ctx, path, &len), err[512];
    if (!text)
        return CLI_LOCAL; /* a local file: exit 4 (cli_cmds.c) */
    stl_lsm_doc d;
    ldg_err e = stl_lsm_doc_parse(&d, err, sizeof err, text, len);
    free(text);
    if (e != LDG_OK) {
        cli_fail(ctx, ldg_err_name(e), "%s: %s", path, err);
        return 2;
    }
    size_t bytes = stl_lsm_workspace_bytes(d.account_count, d.instr_count, d.leg_count);
    void *ws = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    stl_lsm_result r = {.settled = calloc(d.instr_count + 1, 1),
                        .final_balances = calloc(d.account_count + 1, sizeof(uint64_t))};
    int code = 0;
    stl_lsm_rc rc = STL_LSM_WORKSPACE;
    if (ws && r.settled && r.final_balances)
        rc = stl_lsm_solve(&r, ws, bytes, &d.problem);
    if (rc != STL_LSM_OK) {
        cli_fail(ctx, stl_lsm_rc_name(rc), "%s: %s", path,
                 !ws ? "out of memory" : cli_lsm_rc_sentence(rc));
        code = 2;
    } else if (ctx->json) {
        cli_lsm_print_json(&d, &r);
    } else {
        cli_lsm_print_table(&d, &r);
    }
    free(ws);
    free(r.settled);
    free(r.final_balances);
    stl_lsm_doc_free(&d);
    return code;
}

int cli_lsm_main(cli_ctx *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        cli_lsm_usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "solve")) {
        cli_fail(ctx, "USAGE", "usage: folio lsm solve FILE.json [--json] (see folio lsm --help)");
        return 2;
    }
    if (argc != 3 || argv[2][0] == '-') {
        cli_fail(ctx, "USAGE", "'folio lsm solve' takes exactly one FILE.json argument");
        return 2;
    }
    return cli_lsm_solve(ctx, argv[2]);
}

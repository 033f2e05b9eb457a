/* folio evm: the contract VM from the command line.
 *   folio evm statetest FILE|DIR... [--json]   run ethereum/tests state tests (Cancun posts)
 *   folio evm run CODE_HEX [--input HEX] [--gas N] [--repeat K] [--json]
 * Exit 0 on success, 1 if a state test fails, 2 on bad usage or unreadable input. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ldg_evm.h"
#include "ldg_evm_state.h"
#include "ldg_statetest.h"

/* Most runs of `folio evm run --repeat`: enough for stable timings, bounded runtime. */
#define CLI_EVM_REPEAT_MAX 1000000
#define CLI_EVM_GAS_DEFAULT 30000000

static void cli_evm_usage(FILE *out)
{
    fprintf(out,
            "usage: folio evm VERB [ARGS] [--json]\n\n"
            "  statetest FILE|DIR...   run ethereum/tests GeneralStateTests JSON files for\n"
            "                          their Cancun posts; DIR is searched for *.json\n"
            "  run CODE_HEX            execute bytecode in a fresh account of an empty world\n\n"
            "Every verb takes --help.\n");
}

static void cli_evm_statetest_usage(FILE *out)
{
    fprintf(
        out,
        "usage: folio evm statetest FILE|DIR... [--json]\n\n"
        "Builds each test's pre-state, applies the transaction of each Cancun post entry\n"
        "(indexes data/gas/value) and compares the state root and the logs hash with the\n"
        "expected ones. Prints PASS/FAIL per vector and a total line; exit 1 if any fails.\n\n"
        "  --json   print {\"results\": [{\"file\", \"name\", \"index\", \"pass\", \"detail\"}],\n"
        "                  \"passed\": N, \"failed\": M}\n");
}

static void cli_evm_run_usage(FILE *out)
{
    fprintf(out,
            "usage: folio evm run CODE_HEX [--input HEX] [--gas N] [--repeat K] [--json]\n\n"
            "Executes CODE_HEX (0x optional) as the code of a fresh account called with\n"
            "call data --input, in an empty world (chain id 1, block 1). Prints the output\n"
            "hex, gas used, status and the mean wall-clock time per run.\n\n"
            "  --input HEX   call data (default empty)\n"
            "  --gas N       gas limit of the call (default %d)\n"
            "  --repeat K    run K times, each in a fresh world, and average (default 1,\n"
            "                at most %d)\n"
            "  --json        print {\"output\", \"gas_used\", \"status\", \"ns_per_run\"}\n",
            CLI_EVM_GAS_DEFAULT, CLI_EVM_REPEAT_MAX);
}

/* ---- statetest ---- */

typedef struct statetest_out {
    cli_ctx *ctx;
    json_t *results;
} statetest_out;

static void cli_evm_on_case(void *user, const ldg_statetest_case *c)
{
    statetest_out *o = user;
    if (o->ctx->json) {
        json_t *r =
            json_pack("{s:s, s:s, s:I, s:b, s:s}", "file", c->file, "name", c->name, "index",
                      (json_int_t)c->post_index, "pass", c->passed, "detail", c->detail);
        json_array_append_new(o->results, r);
        return;
    }
    if (c->passed)
        printf("PASS %s[%zu] (d%zu g%zu v%zu)\n", c->name, c->post_index, c->data_index,
               c->gas_index, c->value_index);
    else
        printf("FAIL %s[%zu] (d%zu g%zu v%zu) %s: %s\n", c->name, c->post_index, c->data_index,
               c->gas_index, c->value_index, c->file, c->detail);
}

static int cli_evm_statetest(cli_ctx *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        cli_evm_statetest_usage(stdout);
        return 0;
    }
    if (argc < 2) {
        cli_fail(ctx, "USAGE", "evm statetest needs at least one FILE or DIR");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            cli_fail(ctx, "USAGE", "unknown option '%s' (see folio evm statetest --help)", argv[i]);
            return 2;
        }
    }
    statetest_out o = {.ctx = ctx, .results = ctx->json ? json_array() : NULL};
    ldg_statetest_totals t = {0};
    for (int i = 1; i < argc; i++) {
        char err[1024];
        if (ldg_statetest_run_path(argv[i], cli_evm_on_case, &o, &t, err, sizeof err) != 0) {
            json_decref(o.results);
            cli_fail(ctx, "IO", "%s", err);
            return 2;
        }
    }
    if (ctx->json) {
        json_t *doc = json_pack("{s:o, s:I, s:I}", "results", o.results, "passed",
                                (json_int_t)t.passed, "failed", (json_int_t)t.failed);
        json_dumpf(doc, stdout, JSON_INDENT(1));
        printf("\n");
        json_decref(doc);
    } else {
        printf("%zu passed, %zu failed\n", t.passed, t.failed);
    }
    return t.failed ? 1 : 0;
}

/* ---- run ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes hex (0x optional) into a malloc'd buffer; false if not hex. */
static bool cli_evm_unhex(const char *s, uint8_t **out, size_t *len)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strlen(s);
    *out = malloc(n / 2 + 1);
    *len = 0;
    if (!*out || n % 2)
        return false;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        (*out)[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return true;
}

static bool cli_evm_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return false;
    *out = v;
    return true;
}

typedef struct run_args {
    uint8_t *code, *input;
    size_t code_size, input_size;
    uint64_t gas, repeat;
} run_args;

static int cli_evm_run_parse(cli_ctx *ctx, int argc, char **argv, run_args *a)
{
    const char *code_hex = NULL, *input_hex = "";
    a->gas = CLI_EVM_GAS_DEFAULT;
    a->repeat = 1;
    for (int i = 1; i < argc; i++) {
        bool has_value = i + 1 < argc;
        if (!strcmp(argv[i], "--input") && has_value) {
            input_hex = argv[++i];
        } else if (!strcmp(argv[i], "--gas") && has_value) {
            if (!cli_evm_parse_u64(argv[++i], INT64_MAX, &a->gas)) {
                cli_fail(ctx, "USAGE", "--gas must be an integer from 0 to 2^63-1");
                return 2;
            }
        } else if (!strcmp(argv[i], "--repeat") && has_value) {
            if (!cli_evm_parse_u64(argv[++i], CLI_EVM_REPEAT_MAX, &a->repeat) || !a->repeat) {
                cli_fail(ctx, "USAGE", "--repeat must be an integer from 1 to %d",
                         CLI_EVM_REPEAT_MAX);
                return 2;
            }
        } else if (argv[i][0] == '-' || code_hex) {
            cli_fail(ctx, "USAGE", "unexpected argument '%s' (see folio evm run --help)", argv[i]);
            return 2;
        } else {
            code_hex = argv[i];
        }
    }
    if (!code_hex) {
        cli_fail(ctx, "USAGE", "evm run needs CODE_HEX");
        return 2;
    }
    if (!cli_evm_unhex(code_hex, &a->code, &a->code_size)) {
        cli_fail(ctx, "USAGE", "CODE_HEX is not hex (an even number of digits 0-9, a-f)");
        return 2;
    }
    if (!cli_evm_unhex(input_hex, &a->input, &a->input_size)) {
        cli_fail(ctx, "USAGE", "--input is not hex (an even number of digits 0-9, a-f)");
        return 2;
    }
    return 0;
}

static const ldg_evm_address cli_evm_contract = {{[18] = 0xc0, [19] = 0xde}};
static const ldg_evm_address cli_evm_caller = {{[18] = 0xca, [19] = 0x11}};

/* One run in a fresh world; *ns gets the execution time only. */
static bool cli_evm_run_once(const run_args *a, const ldg_evm_code *code, ldg_evm_result *r,
                             uint64_t *ns)
{
    ldg_evm_world *w = ldg_evm_world_new();
    if (!w ||
        !ldg_evm_world_set_account(w, &cli_evm_contract, 1, ldg_u256_zero(), a->code,
                                   a->code_size) ||
        !ldg_evm_world_set_account(w, &cli_evm_caller, 0, ldg_u256_zero(), NULL, 0)) {
        ldg_evm_world_free(w);
        return false;
    }
    ldg_evm_tx_context tx = {.origin = cli_evm_caller,
                             .block_number = 1,
                             .block_timestamp = 1,
                             .block_gas_limit = CLI_EVM_GAS_DEFAULT,
                             .chain_id = ldg_u256_from_u64(1),
                             .blob_base_fee = ldg_u256_from_u64(1)};
    ldg_evm_world_set_tx_context(w, &tx);
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .gas = (int64_t)a->gas,
                         .recipient = cli_evm_contract,
                         .sender = cli_evm_caller,
                         .code_address = cli_evm_contract,
                         .input_data = a->input,
                         .input_size = a->input_size};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    *r = ldg_evm_execute(ldg_evm_world_host(), ldg_evm_world_ctx(w), &m, code);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
          (uint64_t)t0.tv_nsec;
    ldg_evm_world_free(w);
    return true;
}

static void cli_evm_print_run(cli_ctx *ctx, const run_args *a, const ldg_evm_result *r,
                              double ns_per_run)
{
    char *hex = malloc(2 * r->output_size + 3);
    if (!hex)
        return;
    memcpy(hex, "0x", 3);
    for (size_t i = 0; i < r->output_size; i++)
        snprintf(hex + 2 + 2 * i, 3, "%02x", r->output_data[i]);
    long long used = (long long)a->gas - (long long)r->gas_left;
    if (ctx->json) {
        json_t *doc =
            json_pack("{s:s, s:I, s:s, s:I, s:I}", "output", hex, "gas_used", (json_int_t)used,
                      "status", ldg_evm_status_name(r->status), "ns_per_run",
                      (json_int_t)ns_per_run, "runs", (json_int_t)a->repeat);
        json_dumpf(doc, stdout, 0);
        printf("\n");
        json_decref(doc);
    } else {
        printf("output: %s\ngas used: %lld\nstatus: %s\ntime: %.0f ns per run (%llu runs)\n", hex,
               used, ldg_evm_status_name(r->status), ns_per_run, (unsigned long long)a->repeat);
    }
    free(hex);
}

static int cli_evm_run(cli_ctx *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        cli_evm_run_usage(stdout);
        return 0;
    }
    run_args a = {0};
    int rc = cli_evm_run_parse(ctx, argc, argv, &a);
    ldg_evm_code *code = rc ? NULL : ldg_evm_code_analyze(a.code, a.code_size);
    if (!rc && !code) {
        cli_fail(ctx, "NOMEM", "out of memory analysing the code");
        rc = 2;
    }
    uint64_t total_ns = 0;
    ldg_evm_result r = {0};
    for (uint64_t i = 0; !rc && i < a.repeat; i++) {
        uint64_t ns;
        ldg_evm_result_release(&r);
        if (!cli_evm_run_once(&a, code, &r, &ns)) {
            cli_fail(ctx, "NOMEM", "out of memory building the world");
            rc = 2;
        }
        total_ns += ns;
    }
    if (!rc)
        cli_evm_print_run(ctx, &a, &r, (double)total_ns / (double)a.repeat);
    ldg_evm_result_release(&r);
    ldg_evm_code_free(code);
    free(a.code);
    free(a.input);
    return rc;
}

int cli_evm_main(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2) {
        cli_evm_usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        cli_evm_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "statetest"))
        return cli_evm_statetest(ctx, argc - 1, argv + 1);
    if (!strcmp(argv[1], "run"))
        return cli_evm_run(ctx, argc - 1, argv + 1);
    cli_fail(ctx, "USAGE", "unknown verb 'evm %s' (see folio evm --help)", argv[1]);
    return 2;
}

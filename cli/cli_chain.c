/* folio tx show; folio block show; folio chain verify; folio errors */
#include "cli.h"
#include "cli_cmds.h"
#include "net_node.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void print_tx_human(json_t *j)
{
    printf("transaction %s\n", json_string_value(json_object_get(j, "id")));
    printf("  status    %s", json_string_value(json_object_get(j, "status")));
    if (json_object_get(j, "height"))
        printf(" in block %lld at index %lld",
               (long long)json_integer_value(json_object_get(j, "height")),
               (long long)json_integer_value(json_object_get(j, "index")));
    printf("\n");
    if (!json_object_get(j, "type_name"))
        return;
    json_t *sender = json_object_get(j, "sender");
    const char *sn = json_string_value(json_object_get(sender, "name"));
    sn = sn ? sn : "";
    printf("  type      %s\n", json_string_value(json_object_get(j, "type_name")));
    printf("  sender    %s%s%s%s\n", json_string_value(json_object_get(sender, "account")),
           *sn ? " (" : "", sn, *sn ? ")" : "");
    const char *bt = json_string_value(json_object_get(j, "block_time"));
    if (bt)
        printf("  time      %s\n", bt);
    json_t *omitted = json_object_get(j, "payload_omitted");
    char *payload = json_dumps(json_object_get(j, "payload"), JSON_COMPACT | JSON_ENCODE_ANY);
    if (omitted)
        printf("  payload   (not shown: a %lld-byte transaction whose payload is over the reply "
               "budget)\n",
               (long long)json_integer_value(json_object_get(omitted, "tx_bytes")));
    else
        printf("  payload   %s\n", payload ? payload : "");
    free(payload);
    json_t *rc = json_object_get(j, "receipt");
    if (rc) {
        const char *detail = json_string_value(json_object_get(rc, "detail"));
        printf("  receipt   %s (code %lld): %s%s%s\n",
               json_string_value(json_object_get(rc, "name")),
               (long long)json_integer_value(json_object_get(rc, "code")),
               json_string_value(json_object_get(rc, "message")), *detail ? " — " : "", detail);
    }
}

static int tx_show(cli_ctx *ctx, const char *hex)
{
    ldg_hash id;
    if (!hex || ldg_hex_decode(id.b, LDG_HASH_LEN, hex) != 0) {
        cli_fail(ctx, "USAGE", "tx show needs a transaction id (64 hex characters)");
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "tx");
    ldg_enc_bin(&e, id.b, LDG_HASH_LEN);
    int rc;
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    if (ctx->json)
        cli_print_json(j);
    else
        print_tx_human(j);
    json_decref(j);
    return CLI_OK;
}

int cli_tx_main(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || cli_wants_help(argc, argv) || strcmp(argv[1], "show") != 0) {
        printf("usage: folio tx show TXID\n\nShows a transaction, where it was committed and its "
               "receipt: success, or the result code and its sentence.\n");
        return argc >= 2 && cli_wants_help(argc, argv) ? CLI_OK : CLI_USAGE;
    }
    return tx_show(ctx, argc > 2 ? argv[2] : NULL);
}

int cli_block_main(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || cli_wants_help(argc, argv) || strcmp(argv[1], "show") != 0) {
        printf("usage: folio block show HEIGHT [--limit N] [--after INDEX]\n\nShows a block's "
               "header, certificate and transactions with their results: at most N (1000 by\n"
               "default) transactions, those after index INDEX; it says when there are more.\n");
        return argc >= 2 && cli_wants_help(argc, argv) ? CLI_OK : CLI_USAGE;
    }
    static const char *const opts[] = {"--limit", "--after", NULL};
    cli_page page;
    uint64_t h, after = 0;
    if (!cli_check_opts(ctx, argc - 1, argv + 1, opts, NULL) ||
        !cli_check_positionals(ctx, argc - 1, argv + 1, opts, 1))
        return CLI_USAGE;
    const char *hs = cli_pos(argc - 1, argv + 1, 0, opts);
    if (!hs || !cli_parse_u64(hs, UINT64_MAX, &h)) {
        cli_fail(ctx, "USAGE", "block show needs a HEIGHT (a whole number)");
        return CLI_USAGE;
    }
    if (!cli_page_parse(ctx, argc - 1, argv + 1, &page) || page.limit > LDG_REPLY_BLOCK_TXS_MAX ||
        (page.after && !cli_parse_u64(page.after, LDG_BLOCK_TX_MAX - 1, &after))) {
        cli_fail(ctx, "USAGE", "--limit takes 1..%d and --after a transaction index",
                 LDG_REPLY_BLOCK_TXS_MAX);
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_str(&e, "block");
    ldg_enc_u64(&e, h);
    if (page.after)
        ldg_enc_u64(&e, after);
    else
        ldg_enc_nil(&e);
    ldg_enc_u64(&e, page.limit);
    int rc;
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        static const char *const fields[] = {"hash",       "prev_hash", "prev_state_root",
                                             "state_root", "tx_root",   "proposer"};
        printf("block %lld\n", (long long)json_integer_value(json_object_get(j, "height")));
        printf("  time              %lld ms\n",
               (long long)json_integer_value(json_object_get(j, "time_ms")));
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            printf("  %-17s %s\n", fields[i], json_string_value(json_object_get(j, fields[i])));
        json_t *c = json_object_get(j, "certificate");
        printf("  certificate       round %lld, %lld signature(s)\n",
               (long long)json_integer_value(json_object_get(c, "round")),
               (long long)json_integer_value(json_object_get(c, "signatures")));
        printf("  transactions      %lld\n\n",
               (long long)json_integer_value(json_object_get(j, "tx_count")));
        cli_table *t = cli_table_new(4, (const char *const[]){"#", "TX", "TYPE", "RESULT"});
        size_t i;
        json_t *tx;
        long long from = (long long)json_integer_value(json_object_get(j, "tx_from"));
        json_array_foreach(json_object_get(j, "txs"), i, tx)
        {
            char idx[24];
            snprintf(idx, sizeof idx, "%lld", from + (long long)i);
            cli_table_row(
                t, (const char *const[]){
                       idx, json_string_value(json_object_get(tx, "id")),
                       json_string_value(json_object_get(tx, "type_name")),
                       json_string_value(json_object_get(json_object_get(tx, "receipt"), "name"))});
        }
        if (json_array_size(json_object_get(j, "txs")))
            cli_table_print(t, stdout);
        cli_table_free(t);
        char cmd[48];
        snprintf(cmd, sizeof cmd, "block show %llu", (unsigned long long)h);
        cli_page_more(ctx, j, cmd, &page);
    }
    json_decref(j);
    return CLI_OK;
}

static void progress(void *arg, uint64_t done, uint64_t total)
{
    if (*(bool *)arg)
        fprintf(stderr, "\rverifying block %llu of %llu...", (unsigned long long)done,
                (unsigned long long)total);
}

int cli_chain_main(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || cli_wants_help(argc, argv) || strcmp(argv[1], "verify") != 0) {
        printf("usage: folio chain verify\n\nRe-checks every block from genesis: hash links, "
               "transaction roots, commit\ncertificates, every signature, and every state root by "
               "re-executing the\nchain into a fresh in-memory state. Says OK or where it breaks. "
               "Works whether\nthe node runs or not.\n");
        return argc >= 2 && cli_wants_help(argc, argv) ? CLI_OK : CLI_USAGE;
    }
    int rc = cli_load_config(ctx);
    if (rc != CLI_OK)
        return rc;
    char db[NET_PATH_MAX];
    net_home_path(db, ctx->home, "data");
    ldg_registry *reg = net_registry_new();
    ldg_chain *chain;
    ldg_open_report orep;
    ldg_err err = ldg_chain_open_report(&chain, db, reg, NULL, true, &orep);
    if (err != LDG_OK) {
        char why[2048];
        net_store_open_error(why, sizeof why, db, err, &orep);
        ldg_registry_free(reg);
        if (err == LDG_ERR_CORRUPT) {
            cli_fail(ctx, "CORRUPT", "chain verify FAILED: %s", why);
            return CLI_REJECTED;
        }
        cli_fail(ctx, "IO", "%s", why); /* the home's store: a local file */
        return CLI_LOCAL;
    }
    bool tty = isatty(STDERR_FILENO) && !ctx->json;
    ldg_verify_report rep;
    err = ldg_chain_verify(chain, reg, &rep, progress, &tty);
    if (tty)
        fprintf(stderr, "\r\033[K");
    ldg_tip tip = ldg_chain_tip(chain);
    char root[65];
    ldg_hex_encode(root, tip.state_root.b, LDG_HASH_LEN);
    ldg_chain_close(chain);
    ldg_registry_free(reg);
    if (err != LDG_OK) {
        cli_fail(ctx, "IO", "verification could not read the store: %s", ldg_err_str(err));
        return CLI_UNAVAILABLE;
    }
    if (ctx->json) {
        json_t *j = json_pack("{s:b,s:I,s:I,s:s}", "ok", rep.ok, "blocks", (json_int_t)rep.blocks,
                              "transactions", (json_int_t)rep.txs, "state_root", root);
        if (!rep.ok) {
            json_object_set_new(j, "broken_height", json_integer((json_int_t)rep.broken_height));
            json_object_set_new(j, "reason", json_string(rep.reason));
        }
        cli_print_json(j);
        json_decref(j);
    } else if (rep.ok) {
        printf("OK: %llu blocks and %llu transactions verified from genesis; state root %s\n",
               (unsigned long long)rep.blocks, (unsigned long long)rep.txs, root);
    } else {
        fprintf(stderr, "folio: chain verify FAILED at block %llu: %s\n",
                (unsigned long long)rep.broken_height, rep.reason);
    }
    return rep.ok ? CLI_OK : CLI_REJECTED;
}

static json_t *error_json(const ldg_result_info *r)
{
    return json_pack("{s:i,s:s,s:s}", "code", r->code, "name", r->name, "message", r->text);
}

/* CODE (digits) or NAME (any case) -> the registered code; prints the refusal. */
static const ldg_result_info *error_find(cli_ctx *ctx, const char *arg,
                                         const ldg_result_info *const *all, size_t n)
{
    uint64_t code;
    bool numeric = cli_parse_u64(arg, UINT64_MAX, &code);
    for (size_t i = 0; i < n; i++)
        if (numeric ? all[i]->code == code : !strcasecmp(all[i]->name, arg))
            return all[i];
    if (numeric || strspn(arg, "0123456789") == strlen(arg)) {
        cli_fail(ctx, "USAGE",
                 "no result code %s (codes run from %u to %u; 'folio errors' lists them)", arg,
                 n ? all[0]->code : 0, n ? all[n - 1]->code : 0);
        return NULL;
    }
    const char **names = malloc(n * sizeof *names);
    LDG_ASSERT(names);
    for (size_t i = 0; i < n; i++)
        names[i] = all[i]->name;
    const char *s = cli_suggest(arg, names, n);
    free(names);
    if (s)
        cli_fail(ctx, "USAGE", "no result code named '%s' (did you mean %s?)", arg, s);
    else
        cli_fail(ctx, "USAGE", "no result code named '%s' ('folio errors' lists them)", arg);
    return NULL;
}

int cli_errors_main(cli_ctx *ctx, int argc, char **argv)
{
    ldg_registry *reg = net_registry_new(); /* registers every module's table */
    const ldg_result_info *all[CLI_RESULT_CODES_MAX];
    size_t n = ldg_result_all(all, CLI_RESULT_CODES_MAX);
    ldg_registry_free(reg);
    if (argc > 1) {
        const ldg_result_info *r = error_find(ctx, argv[1], all, n);
        if (!r)
            return CLI_USAGE;
        if (ctx->json) {
            json_t *j = error_json(r);
            cli_print_json(j);
            json_decref(j);
        } else {
            printf("%u %s: %s\n", r->code, r->name, r->text);
        }
        return CLI_OK;
    }
    json_t *arr = json_array();
    cli_table *t = cli_table_new(3, (const char *const[]){"CODE", "NAME", "MEANING"});
    for (size_t i = 0; i < n; i++) {
        char code[8];
        snprintf(code, sizeof code, "%u", all[i]->code);
        cli_table_row(t, (const char *const[]){code, all[i]->name, all[i]->text});
        json_array_append_new(arr, error_json(all[i]));
    }
    if (ctx->json) {
        json_t *j = json_pack("{s:o,s:n}", "errors", arr, "next");
        cli_print_json(j);
        json_decref(j);
    } else {
        cli_table_print(t, stdout);
        json_decref(arr);
    }
    cli_table_free(t);
    return CLI_OK;
}

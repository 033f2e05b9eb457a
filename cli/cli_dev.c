/* folio dev time advance DURATION: moves a --dev node's block time forward. */
#include "ast_date.h"
#include "cli.h"

#include <string.h>

int cli_dev_main(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || cli_wants_help(argc, argv)) {
        printf("usage: folio dev time advance DURATION\n\n"
               "Moves the block time of a node started with --dev forward by DURATION\n"
               "(<digits><unit>, unit s m h d w: 30d, 12h, 2w) and makes it produce a block,\n"
               "so due corporate actions run. A node not in --dev mode refuses.\n");
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (argc != 4 || strcmp(argv[1], "time") || strcmp(argv[2], "advance")) {
        cli_fail(ctx, "USAGE", "usage: folio dev time advance DURATION");
        return CLI_USAGE;
    }
    uint64_t ms;
    ast_date_err e = ast_duration_parse(&ms, argv[3], strlen(argv[3]));
    if (e != AST_DATE_OK) {
        cli_fail(ctx, "USAGE", "'%s' is not a duration (%s); e.g. 30d, 12h, 2w", argv[3],
                 ast_date_err_str(e));
        return CLI_USAGE;
    }
    ldg_enc req;
    ldg_enc_init(&req);
    ldg_enc_array(&req, 2);
    ldg_enc_str(&req, "dev_time_advance");
    ldg_enc_u64(&req, ms);
    int rc;
    json_t *j = cli_call(ctx, &req, &rc);
    ldg_enc_free(&req);
    if (!j)
        return rc;
    if (ctx->json)
        cli_print_json(j);
    else
        printf("block time moved forward by %s (offset now %lld ms)\n", argv[3],
               (long long)json_integer_value(json_object_get(j, "time_offset_ms")));
    json_decref(j);
    return CLI_OK;
}

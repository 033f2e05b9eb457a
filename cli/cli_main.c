/* folio: the command line. `folio NOUN VERB [args] [--home DIR] [--as KEY] [--json]`.
 * Global options may stand anywhere; they are taken out before the noun dispatches. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_evm_main(cli_ctx *ctx, int argc, char **argv);
int cli_lsm_main(cli_ctx *ctx, int argc, char **argv);

static const struct {
    const char *noun;
    cli_main_fn fn;
    const char *help;
} nouns[] = {
    {"evm", cli_evm_main, "run EVM bytecode and ethereum/tests state tests"},
    {"lsm", cli_lsm_main, "the liquidity-saving solver, offline"},
};

void cli_fail(cli_ctx *ctx, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "folio: %s\n", msg);
    if (ctx && ctx->json)
        printf("{\"error\": {\"code\": \"%s\", \"message\": \"%s\"}}\n", code, msg);
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: folio NOUN VERB [ARGS] [--home DIR] [--as KEY] [--json]\n\n");
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
        fprintf(out, "  %-12s %s\n", nouns[i].noun, nouns[i].help);
    fprintf(out, "\nEvery command takes --help.\n");
}

int main(int argc, char **argv)
{
    cli_ctx ctx = {.home = getenv("FOLIO_HOME")};
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return 1;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && !strcmp(argv[i], "--json")) {
            ctx.json = true;
        } else if (i > 0 && (!strcmp(argv[i], "--home") || !strcmp(argv[i], "--as"))) {
            if (i + 1 >= argc) {
                cli_fail(&ctx, "USAGE", "%s needs a value", argv[i]);
                return 2;
            }
            if (!strcmp(argv[i], "--home"))
                ctx.home = argv[++i];
            else
                ctx.as = argv[++i];
        } else if (i > 0 && !strncmp(argv[i], "--home=", 7)) {
            ctx.home = argv[i] + 7;
        } else if (i > 0 && !strncmp(argv[i], "--as=", 5)) {
            ctx.as = argv[i] + 5;
        } else {
            rest[n++] = argv[i];
        }
    }
    if (n < 2 || !strcmp(rest[1], "--help") || !strcmp(rest[1], "-h") || !strcmp(rest[1], "help")) {
        usage(n < 2 ? stderr : stdout);
        free(rest);
        return n < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++) {
        if (!strcmp(rest[1], nouns[i].noun)) {
            int rc = nouns[i].fn(&ctx, n - 1, rest + 1);
            free(rest);
            return rc;
        }
    }
    cli_fail(&ctx, "USAGE", "unknown command '%s' (see folio --help)", rest[1]);
    free(rest);
    return 2;
}

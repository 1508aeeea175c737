/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * docker: our DOCKER-USER rule (see docker.h).  The chain is listed as
 * JSON to find our rules by their comment and handle; a change is one
 * libnftables command on that chain alone.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>
#include <nftables/libnftables.h>

#include "coexist.h"
#include "docker.h"
#include "nft.h"
#include "util.h"

#define MARK G_STRINGIFY(VNET_NFT_MARK)

static bool family_ok(const char *family)
{
	return g_strcmp0(family, "ip") == 0 || g_strcmp0(family, "ip6") == 0;
}

static struct nft_ctx *ctx_new(bool json)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!ctx)
		return NULL;
	if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		nft_ctx_free(ctx);
		return NULL;
	}
	if (json)
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	return ctx;
}

/*
 * The handles of our rules in @family's DOCKER-USER, or NULL when the
 * chain is not there (or cannot be read).
 */
static GArray *our_handles(const char *family)
{
	struct nft_ctx *ctx = ctx_new(true);
	g_autofree char *cmd = g_strdup_printf("list chain %s filter DOCKER-USER", family);
	g_autoptr(GArray) handles = NULL;
	json_t *root = NULL, *arr, *item;
	size_t i;

	if (!ctx)
		return NULL;
	if (nft_run_cmd_from_buffer(ctx, cmd) == 0)
		root = json_loads(nft_ctx_get_output_buffer(ctx), 0, NULL);
	nft_ctx_free(ctx);
	arr = json_object_get(root, "nftables");
	if (!json_is_array(arr)) {
		json_decref(root);
		return NULL;
	}
	handles = g_array_new(FALSE, FALSE, sizeof(gint64));
	json_array_foreach(arr, i, item) {
		json_t *rule = json_object_get(item, "rule");
		json_t *comment = json_object_get(rule, "comment");
		json_t *handle = json_object_get(rule, "handle");
		if (rule && json_is_integer(handle) &&
		    g_strcmp0(json_string_value(comment), VNET_COEXIST_DOCKER_COMMENT) == 0) {
			gint64 h = json_integer_value(handle);
			g_array_append_val(handles, h);
		}
	}
	json_decref(root);
	return g_steal_pointer(&handles);
}

int vnet_docker_rule_state(const char *family)
{
	g_autoptr(GArray) h = family_ok(family) ? our_handles(family) : NULL;

	return h ? h->len > 0 : -1;
}

static bool run(const char *cmds, const char *family, GError **error)
{
	struct nft_ctx *ctx = ctx_new(false);
	g_autofree char *err = NULL;
	int rc;

	if (!ctx) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Could not set up libnftables; check that the nftables library is installed and not damaged."));
		return false;
	}
	rc = nft_run_cmd_from_buffer(ctx, cmds);
	err = g_strdup(nft_ctx_get_error_buffer(ctx));
	nft_ctx_free(ctx);
	if (rc == 0)
		return true;
	g_strstrip(err);
	vnet_set_error(error, VNET_ERROR_FAILED,
		       _("nftables refused vnetctl's rule in Docker's chain %s filter DOCKER-USER: %s. Check the chain with \"iptables -S DOCKER-USER\" and run \"vnetctl restore\" again."),
		       family, err);
	return false;
}

bool vnet_docker_rule_add(const char *family, GError **error)
{
	g_autofree char *cmd = NULL;

	if (!family_ok(family))
		return true;
	switch (vnet_docker_rule_state(family)) {
	case -1:	/* Docker is not (or no longer) there */
	case 1:
		return true;
	default:
		break;
	}
	cmd = g_strdup_printf("insert rule %s filter DOCKER-USER meta mark & " MARK " == " MARK
			      " counter accept comment \"" VNET_COEXIST_DOCKER_COMMENT "\"\n", family);
	return run(cmd, family, error);
}

bool vnet_docker_rule_remove(const char *family, GError **error)
{
	g_autoptr(GArray) handles = family_ok(family) ? our_handles(family) : NULL;
	g_autoptr(GString) cmds = g_string_new(NULL);

	for (guint i = 0; handles && i < handles->len; i++)
		g_string_append_printf(cmds, "delete rule %s filter DOCKER-USER handle %" G_GINT64_FORMAT "\n",
				       family, g_array_index(handles, gint64, i));
	return cmds->len == 0 || run(cmds->str, family, error);
}

/*
 * platform.c: the table of platforms (platform.h) and the message record
 * they share.  A new platform is one file, platform_NAME.c, exporting its
 * prototype, and one row here.
 */
#include "common.h"
#include "platform.h"
#include "platform_int.h"

static const struct platform *const known[] = {
	&platform_telegram_proto,
	&platform_signal_proto,
	&platform_slack_proto,
	&platform_discord_proto,
	&platform_webhook_proto,
	&platform_whatsapp_proto,
	&platform_email_proto,
};

void
gw_msg_release(struct gw_msg *m)
{
	free(m->platform);
	free(m->chat);
	free(m->thread);
	free(m->user);
	free(m->user_name);
	free(m->text);
	free(m->message_id);
	memset(m, 0, sizeof(*m));
}

void
gw_msgs_free(struct gw_msg *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gw_msg_release(&v[i]);
	free(v);
}

struct platform *
platform_new(const char *name)
{
	struct platform *p;
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(known); i++) {
		if (strcmp(known[i]->name, name))
			continue;
		p = xmalloc(sizeof(*p));
		*p = *known[i];
		return p;
	}
	return NULL;
}

void
platform_names(struct buf *out)
{
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(known); i++)
		buf_addf(out, "%s%s", i ? ", " : "", known[i]->name);
}

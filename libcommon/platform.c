/*
 * platform.c: the table of platforms (platform.h), the message record
 * they share and their line to the gateway's log.  A new platform is one
 * file, platform_NAME.c, exporting its prototype, and one row here.
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
platform_log(struct platform *p, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	if (!p->log)
		return;
	buf_addf(&b, "%s: ", p->name);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	buf_neutralise(&b, 0);	/* one line, whatever the ids hold */
	p->log(p->log_ctx, b.s);
	buf_release(&b);
}

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

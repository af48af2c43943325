/*
 * platform_int.h: the prototypes of the platforms, for platform.c's
 * table.  Not for other modules: they use platform_new.
 */
#ifndef HM_PLATFORM_INT_H
#define HM_PLATFORM_INT_H

#include "platform.h"

extern const struct platform platform_telegram_proto;
extern const struct platform platform_signal_proto;
extern const struct platform platform_slack_proto;
extern const struct platform platform_discord_proto;
extern const struct platform platform_webhook_proto;
extern const struct platform platform_whatsapp_proto;
extern const struct platform platform_email_proto;

#endif

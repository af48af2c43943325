/*
 * pairing.h: who may talk to the agent through the gateway.
 *
 * Deny by default.  A user is allowed when listed in config
 * gateway.PLATFORM.allow (user ids, comma-separated), when
 * gateway.allow_all is true, or when paired: an unknown user writing in
 * a direct chat gets a code of 8 characters from an alphabet without
 * 0/O/1/I, valid for an hour; `hermes-gateway pair approve PLATFORM CODE`
 * allows that user.  Limits: at most 3 codes pending per platform (a
 * fourth stranger gets none until one expires), one code per user at a
 * time (asking again gives the same one), and after 5 wrong approvals
 * for a platform approvals are refused for an hour.
 *
 * State: $HERMES_HOME/gateway/pairing.json, {"pending": [{platform,
 * user, name, chat, code, created}], "allowed": [{platform, user, name,
 * approved}], "bad": {PLATFORM: {count, since}}}, mode 0600, changed
 * under flock(gateway/.pairing.json.lock) and atomic_write.
 */
#ifndef HM_PAIRING_H
#define HM_PAIRING_H

#include <time.h>

struct buf;
struct config;

#define PAIRING_TTL	3600
#define PAIRING_PENDING	3
#define PAIRING_BAD	5

/* 1 allowed, 0 not, -HM_E* on error. */
int pairing_allowed(const struct config *cfg, const char *platform,
    const char *user, struct buf *err);
/* A code for this stranger (the same one while it is valid); 0, or
 * -HM_EFULL when too many are pending (code untouched). code: 9 bytes. */
int pairing_request(const char *platform, const char *user,
    const char *name, const char *chat, time_t now, char *code,
    struct buf *err);
/* Allow the user of CODE; *user (malloc'd) says who.  -HM_ENOTFOUND
 * for a wrong or expired code, -HM_ECONFLICT while locked out. */
int pairing_approve(const char *platform, const char *code, time_t now,
    char **user, struct buf *err);
int pairing_revoke(const char *platform, const char *user, struct buf *err);
/* "pending|allowed TAB PLATFORM TAB USER TAB NAME TAB CODE-or-time"
 * lines appended to out. */
int pairing_list(time_t now, struct buf *out, struct buf *err);

#endif

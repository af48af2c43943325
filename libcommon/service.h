/*
 * service.h: the gateway as a systemd user service.
 *
 * The unit is $XDG_CONFIG_HOME/systemd/user/hermes-gateway.service
 * (default ~/.config/...), written atomically, mode 0644:
 *   ExecStart    the hermes-gateway binary given, `run`
 *   Environment  HERMES_HOME (the absolute state directory)
 *   EnvironmentFile=-$HERMES_HOME/.env  (the tokens; '-': may be absent)
 *   ExecReload   kill -HUP (the gateway re-reads its config)
 *   Restart=on-failure, RestartSec=5, TimeoutStopSec=30 (SIGTERM lets
 *   turns end; their messages stay in gateway/inbox/ for the restart)
 *   WantedBy=default.target
 * No token is ever written into the unit: they stay in .env.
 *
 * systemd counts as running when `systemctl --user show-environment`
 * (systemctl found on PATH) exits 0.  Then install runs `systemctl
 * --user daemon-reload` and `enable --now`, and uninstall `disable
 * --now`, removes the unit and reloads.  Without it install still
 * writes the unit and *running is 0: the caller prints it and how to
 * start the gateway by hand.  uninstall of a unit that is not there is
 * *changed 0, not an error.
 */
#ifndef HM_SERVICE_H
#define HM_SERVICE_H

struct buf;

/* The unit's path, malloc'd. */
char *service_unit_path(void);
/* The unit's text for the binary bin, malloc'd. */
char *service_unit(const char *bin);
int service_install(const char *bin, int *running, struct buf *err);
int service_uninstall(int *running, int *changed, struct buf *err);

#endif

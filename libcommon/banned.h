/*
 * banned.h: functions that invite overflows or hide errors.  Using one is
 * a compile error.  common.h includes this last, after every system header,
 * so system prototypes are not rewritten.
 * Instead: snprintf (check truncation), buf_addf, hm_parse_long, proc_*.
 */
#ifndef HM_BANNED_H
#define HM_BANNED_H

#define HM_BANNED(f) sorry_##f##_is_banned_in_hermes

#undef strcpy
#define strcpy(a, b) HM_BANNED(strcpy)
#undef strcat
#define strcat(a, b) HM_BANNED(strcat)
#undef sprintf
#define sprintf(...) HM_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) HM_BANNED(vsprintf)
#undef strtok
#define strtok(a, b) HM_BANNED(strtok)
#undef atoi
#define atoi(a) HM_BANNED(atoi)
#undef atol
#define atol(a) HM_BANNED(atol)
#undef gets
#define gets(a) HM_BANNED(gets)
#undef system
#define system(a) HM_BANNED(system)

#endif

/* SPDX-License-Identifier: MIT */
/* One entry point per `livedump COMMAND`; argv[0] is the command name. */
#ifndef LIVEDUMP_COMMANDS_H
#define LIVEDUMP_COMMANDS_H

int cmd_record(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_script(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_gdb(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif

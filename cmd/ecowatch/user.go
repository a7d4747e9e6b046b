package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"

	"github.com/ecowatch/ecowatch/access"
	"github.com/ecowatch/ecowatch/region"
)

// runUser manages the accounts file of `ecowatch serve` (serve.accounts-file).
func runUser(_ context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError{"a subcommand is required (accepted: add, passwd, disable, list)"}
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	path := cfg.Serve.AccountsFile
	if path == "" {
		return fmt.Errorf("serve.accounts-file is not set: name the accounts file in the configuration (or ECOWATCH_SERVE_ACCOUNTS_FILE)")
	}
	regions := region.Default()
	sub, rest := args[0], args[1:]
	fs := flags("user "+sub, e)
	login := fs.String("login", "", "the account's login ("+access.LoginHelp+")")
	switch sub {
	case "add":
		jur := fs.String("jurisdiction", "", "the jurisdiction: "+region.ScopeHelp+" (nation for the ministry)")
		name := fs.String("name", "", "the display name, e.g. 湖北省生态环境厅 张三")
		if err := parse(fs, rest); err != nil {
			return err
		}
		if err := access.CheckLogin(strings.ToLower(*login)); err != nil {
			return usageError{"--login: " + err.Error()}
		}
		if *jur == "" {
			return usageError{"--jurisdiction is required (accepted: " + region.ScopeHelp + ")"}
		}
		sc, err := regions.ParseScope(*jur)
		if err != nil {
			return usageError{"--jurisdiction: " + err.Error()}
		}
		if err := access.CheckName(*name); err != nil {
			return usageError{"--name: " + err.Error()}
		}
		pw, err := e.readPassword()
		if err != nil {
			return err
		}
		if err := access.AddAccount(regions, path, strings.ToLower(*login), sc, *name, pw); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "account %s added (%s) to %s\n", strings.ToLower(*login), scopeLabel(sc), path)
	case "passwd", "disable":
		if err := parse(fs, rest); err != nil {
			return err
		}
		if *login == "" {
			return usageError{"--login is required"}
		}
		l := strings.ToLower(*login)
		if sub == "disable" {
			if err := access.Disable(regions, path, l); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "account %s disabled; its sessions end at their next request\n", l)
			return nil
		}
		pw, err := e.readPassword()
		if err != nil {
			return err
		}
		if err := access.SetPassword(regions, path, l, pw); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s changed (the account is active); its sessions end at their next request\n", l)
	case "list":
		if err := parse(fs, rest); err != nil {
			return err
		}
		list, err := access.List(regions, path)
		if err != nil {
			return err
		}
		for _, a := range list {
			status := "active"
			if a.Disabled {
				status = "disabled"
			}
			fmt.Fprintf(e.stdout, "%-24s %-9s %-8s %s\n", a.Login, status, a.Scope.String(), a.Name)
		}
	default:
		return usageError{fmt.Sprintf("unknown subcommand %q (accepted: add, passwd, disable, list)", sub)}
	}
	return nil
}

func scopeLabel(sc region.Scope) string {
	if sc.IsNation() {
		return "全国"
	}
	return sc.Name
}

// readPassword reads a new password: typed twice on a terminal (not echoed), or the first
// line of standard input otherwise (for scripts). Never from a flag, where it would be in
// the shell history and the process list.
func (e *env) readPassword() (string, error) {
	fd := int(e.stdin.Fd())
	if term.IsTerminal(fd) {
		fmt.Fprint(e.stderr, "new password: ")
		a, err := term.ReadPassword(fd)
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		fmt.Fprint(e.stderr, "again: ")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		if string(a) != string(b) {
			return "", fmt.Errorf("the two passwords differ; nothing was changed")
		}
		return string(a), access.CheckPassword(string(a))
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("no password on standard input (type it on a terminal, or pipe one line)")
	}
	return pw, access.CheckPassword(pw)
}

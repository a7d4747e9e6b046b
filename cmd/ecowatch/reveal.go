package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// runReveal opens a report's sealed reporter identity for a stated purpose (e.g. paying a
// reward, 12369 Art. 27). The audit record is written first; without it nothing is shown.
func runReveal(ctx context.Context, e *env, args []string) error {
	fs := flags("reveal", e)
	reportID := fs.String("report-id", "", "the report whose reporter is to be identified")
	purpose := fs.String("purpose", "", "why the identity is needed (recorded in the audit, at least 4 characters)")
	operator := fs.String("operator", "", "who asks (default: the operating-system user)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *reportID == "" {
		return usageError{"--report-id is required"}
	}
	if utf8.RuneCountInString(strings.TrimSpace(*purpose)) < 4 {
		return usageError{"--purpose is required: state why the identity is needed (at least 4 characters)"}
	}
	who := *operator
	if who == "" {
		if u, err := user.Current(); err == nil {
			who = u.Username
		}
	}
	keys, err := e.keys()
	if err != nil {
		return err
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	c, ok, err := s.SealedContact(ctx, *reportID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("report %s has no sealed reporter identity (anonymous, or not ingested)", *reportID)
	}
	if c.KeyID != keys.KeyID() {
		return fmt.Errorf("report %s is sealed under key %q; the configured key is %q", *reportID, c.KeyID, keys.KeyID())
	}
	host, _ := os.Hostname()
	if err := s.AuditReveal(ctx, store.RevealAudit{ReportID: *reportID, Purpose: strings.TrimSpace(*purpose),
		Operator: who, Host: host, KeyID: c.KeyID, At: time.Now()}); err != nil {
		return err
	}
	plain, err := keys.Open(c.Sealed, []byte(c.ReportID))
	if err != nil {
		return err
	}
	var r contract.Reporter
	if err := json.Unmarshal(plain, &r); err != nil {
		return fmt.Errorf("the sealed identity of %s does not decode: %w", *reportID, err)
	}
	e.log.Info("reporter identity revealed", "report_id", *reportID, "operator", who) // never the identity itself
	fmt.Fprintf(e.stdout, "举报件 %s 的举报人信息（已记录审计：%s，用途：%s）\n姓名：%s\n电话：%s\n身份证号：%s\n电子邮件：%s\n住址：%s\n",
		*reportID, who, strings.TrimSpace(*purpose), r.Name, r.Phone, r.IDNumber, r.Email, r.Address)
	return nil
}

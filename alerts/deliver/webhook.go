package deliver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/store"
)

// Webhook is one recipient organisation's endpoint for warnings.v1 deliveries.
type Webhook struct {
	OrgCode string
	URL     string
	Secret  []byte // HMAC-SHA256 key shared with the receiver; never logged
}

// Channel is the delivery channel name of the webhook in the deliveries table.
func (w Webhook) Channel() string { return "webhook:" + w.OrgCode }

// LoadWebhooks reads a webhooks file: one line per organisation, `org_code url secret`
// separated by white space; `#` starts a comment. Errors name the line, never the secret.
func LoadWebhooks(path string) ([]Webhook, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("deliver: webhooks file (alerts.webhooks-file): %w", err)
	}
	defer f.Close()
	var out []Webhook
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			return nil, fmt.Errorf("deliver: %s:%d: expected `org_code url secret`", path, n)
		}
		u, err := url.Parse(fields[1])
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("deliver: %s:%d: %q is not an http(s) URL", path, n, fields[1])
		}
		if len(fields[2]) < 16 {
			return nil, fmt.Errorf("deliver: %s:%d: the secret must be at least 16 characters", path, n)
		}
		out = append(out, Webhook{OrgCode: fields[0], URL: fields[1], Secret: []byte(fields[2])})
	}
	return out, sc.Err()
}

// Headers of a webhook delivery.
const (
	HeaderSignature   = "X-Ecowatch-Signature"   // "sha256=" + hex HMAC-SHA256 of the body
	HeaderIdempotency = "X-Ecowatch-Delivery-Id" // "<warning_id>:<revision>"
)

// Sign returns the signature header value of body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a delivery's signature in constant time (for receivers).
func VerifySignature(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// WebhookStore is what webhook delivery needs of the store.
type WebhookStore interface {
	UndeliveredTo(ctx context.Context, channel, orgCode string) ([]store.WarningRow, error)
	MarkDelivered(ctx context.Context, channel string, rows []store.WarningRow, attempts int) error
}

// Deliverer posts undelivered warning revisions to webhooks, oldest first, each revision
// acknowledged in the deliveries table only after a 2xx answer. A failing endpoint is retried
// with backoff a few times per run and then left for the next run; its later revisions wait, so
// a receiver sees one warning's revisions in order. The delivery id header makes a repeat after
// a crash recognisable.
type Deliverer struct {
	Store  WebhookStore
	Client *http.Client // default: 10 s timeout
	// Attempts per revision per run (default 3) and the first backoff (default 1 s, doubling).
	Attempts int
	Backoff  time.Duration
	Log      *slog.Logger
}

// Deliver runs one delivery round for every webhook and returns how many revisions were
// delivered.
func (d *Deliverer) Deliver(ctx context.Context, hooks []Webhook) (int, error) {
	client, attempts, backoff, log := d.Client, d.Attempts, d.Backoff, d.Log
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if attempts <= 0 {
		attempts = 3
	}
	if backoff <= 0 {
		backoff = time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	delivered := 0
	for _, h := range hooks {
		rows, err := d.Store.UndeliveredTo(ctx, h.Channel(), h.OrgCode)
		if err != nil {
			return delivered, err
		}
	revisions:
		for _, r := range rows {
			body, err := json.Marshal(r.Warning.Normalized())
			if err != nil {
				return delivered, fmt.Errorf("deliver: encoding warning %s: %w", r.WarningID, err)
			}
			wait := backoff
			for attempt := 1; ; attempt++ {
				err := post(ctx, client, h, body, fmt.Sprintf("%s:%d", r.WarningID, r.Revision))
				if errors.Is(err, errTooLarge) {
					// A refusal of this body, not an outage: retrying it, or holding the later
					// revisions behind it, would stop this receiver's deliveries for good.
					log.Error("webhook refused a warning revision as too large; left undelivered, later ones go on",
						"org", h.OrgCode, "warning", r.WarningID, "revision", r.Revision, "bytes", len(body), "err", err)
					continue revisions
				}
				if err == nil {
					if err := d.Store.MarkDelivered(ctx, h.Channel(), []store.WarningRow{r}, attempt); err != nil {
						return delivered, err
					}
					delivered++
					break
				}
				log.Warn("webhook delivery failed", "org", h.OrgCode, "warning", r.WarningID, "revision", r.Revision, "attempt", attempt, "err", err)
				if attempt == attempts {
					break revisions // keep order: the rest waits for the next run
				}
				select {
				case <-ctx.Done():
					return delivered, ctx.Err()
				case <-time.After(wait):
				}
				wait *= 2
			}
		}
	}
	return delivered, nil
}

func post(ctx context.Context, client *http.Client, h Webhook, body []byte, deliveryID string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(HeaderSignature, Sign(h.Secret, body))
	req.Header.Set(HeaderIdempotency, deliveryID)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode == http.StatusRequestEntityTooLarge {
		return fmt.Errorf("%s answered %s: %w", h.URL, resp.Status, errTooLarge)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s answered %s", h.URL, resp.Status)
	}
	return nil
}

// errTooLarge is a receiver's 413 Payload Too Large.
var errTooLarge = errors.New("body too large for the receiver")

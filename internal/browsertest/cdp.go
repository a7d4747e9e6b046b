package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// cdpClient speaks the Chrome DevTools Protocol over one WebSocket: commands with ids, their
// responses, and events handed to a callback (flattened sessions: every message may carry a
// sessionId).
type cdpClient struct {
	ws      *wsConn
	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpMessage
	onEvent func(cdpMessage)
	done    chan struct{}
	err     error
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func newCDPClient(ws *wsConn, onEvent func(cdpMessage)) *cdpClient {
	c := &cdpClient{ws: ws, pending: map[int64]chan cdpMessage{}, onEvent: onEvent, done: make(chan struct{})}
	go c.readLoop()
	return c
}

func (c *cdpClient) readLoop() {
	defer close(c.done)
	for {
		b, err := c.ws.readMessage()
		if err != nil {
			c.mu.Lock()
			c.err = err
			for id, ch := range c.pending {
				close(ch)
				delete(c.pending, id)
			}
			c.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		if m.ID != 0 {
			c.mu.Lock()
			ch := c.pending[m.ID]
			delete(c.pending, m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		if m.Method != "" && c.onEvent != nil {
			c.onEvent(m)
		}
	}
}

// call sends a command (to the browser when session is "", else to that session) and decodes
// its result into out (which may be nil).
func (c *cdpClient) call(ctx context.Context, session, method string, params any, out any) error {
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("browsertest: %s: connection to the browser lost: %w", method, err)
	}
	c.nextID++
	id := c.nextID
	ch := make(chan cdpMessage, 1)
	c.pending[id] = ch
	c.mu.Unlock()

	if params == nil {
		params = struct{}{}
	}
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	msg, _ := json.Marshal(cdpMessage{ID: id, Method: method, SessionID: session, Params: p})
	if err := c.ws.writeText(msg); err != nil {
		return err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("browsertest: %s: connection to the browser lost", method)
		}
		if m.Error != nil {
			return fmt.Errorf("browsertest: %s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if out != nil && len(m.Result) > 0 {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return fmt.Errorf("browsertest: %s: %w", method, ctx.Err())
	}
}

func (c *cdpClient) close() {
	c.ws.close()
	<-c.done
}

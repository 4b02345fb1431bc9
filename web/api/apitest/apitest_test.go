package apitest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDescriptionValidates loads the description the way every API test
// does and checks it with kin-openapi's own validation (examples included).
func TestDescriptionValidates(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ops, events := v.Operations(), len(v.Doc.Webhooks)
	if len(ops) == 0 || events == 0 {
		t.Fatalf("%d operations, %d webhook events: the description is empty", len(ops), events)
	}
	t.Logf("the description has %d operations and %d webhook events", len(ops), events)
}

// TestCheckCatchesMismatches: the checker fails answers and requests that
// do not match the description, and routes the description lacks.
func TestCheckCatchesMismatches(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	json := http.Header{"Content-Type": {"application/json"}}
	get := func(path string) *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }
	post := func(path string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, path, nil)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer wk_test")
		return r
	}
	for _, tt := range []struct {
		name string
		x    Exchange
		ok   bool
	}{
		{"an error in the one format", Exchange{Request: get("/api/v1/catalog/products/1"), Status: 404, Header: json,
			Body: []byte(`{"error":{"code":"not_found","message":"this product is not for sale"}}`)}, true},
		{"an answer missing required fields", Exchange{Request: get("/api/v1/catalog/products/1"), Status: 200, Header: json,
			Body: []byte(`{"id":1}`)}, false},
		{"an undocumented status", Exchange{Request: get("/api/v1/catalog/products/1"), Status: 418, Header: json,
			Body: []byte(`{"error":{"code":"teapot","message":"no"}}`)}, false},
		{"an error in another format", Exchange{Request: get("/api/v1/catalog/products/1"), Status: 404, Header: json,
			Body: []byte(`{"message":"not found"}`)}, false},
		{"a bad request refused", Exchange{Request: post("/api/v1/conversions"), RequestBody: []byte(`{"order_id":""}`), Status: 400, Header: json,
			Body: []byte(`{"error":{"code":"invalid","message":"order_id is required","field":"order_id"}}`)}, true},
		{"a bad request accepted", Exchange{Request: post("/api/v1/products"), RequestBody: []byte(`{"title":"x","colour":"red"}`), Status: 400, Header: json,
			Body: []byte(`{"error":{"code":"invalid","message":"unknown field"}}`)}, true},
		{"a bad request answered 201", Exchange{Request: post("/api/v1/products"), RequestBody: []byte(`{"price_minor":"12"}`), Status: 201, Header: json,
			Body: []byte(`{}`)}, false},
		{"a route the description lacks", Exchange{Request: get("/api/v1/secret-admin"), Status: 200, Header: json, Body: []byte(`{}`)}, false},
		{"a 404 for a route the description lacks", Exchange{Request: get("/api/v1/no-such-thing"), Status: 404, Header: json,
			Body: []byte(`{"error":{"code":"not_found","message":"there is nothing at this address"}}`)}, true},
	} {
		err := v.Check(context.Background(), tt.x)
		if (err == nil) != tt.ok {
			t.Errorf("%s: Check = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func TestCheckEvent(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	good := `{"id":"evt_0a1b","type":"payout.paid","created_at":"2026-03-10T12:00:00Z","data":{"payout":{"id":1,"influencer_id":2,"amount_minor":500,"currency":"IDR","entries":1,"paid_at":"2026-03-10T12:00:00Z"}}}`
	if err := v.CheckEvent("payout.paid", []byte(good)); err != nil {
		t.Errorf("a good payout.paid event: %v", err)
	}
	for name, body := range map[string]string{
		"wrong type":          strings.Replace(good, `"type":"payout.paid"`, `"type":"order.created"`, 1),
		"local time":          strings.Replace(good, `"created_at":"2026-03-10T12:00:00Z"`, `"created_at":"2026-03-10T19:00:00+07:00"`, 1),
		"missing amount":      strings.Replace(good, `"amount_minor":500,`, ``, 1),
		"extra field":         strings.Replace(good, `"entries":1`, `"entries":1,"note":"x"`, 1),
		"not an event at all": `{"hello":"world"}`,
	} {
		if err := v.CheckEvent("payout.paid", []byte(body)); err == nil {
			t.Errorf("%s: accepted %s", name, body)
		}
	}
	if err := v.CheckEvent("order.shipped", []byte(good)); err == nil {
		t.Error("an event type the description lacks was accepted")
	}
}

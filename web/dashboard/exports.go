package dashboard

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/money"
	"github.com/warna/warna/spreadsheet"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

// CSV exports of a dashboard's range. Every figure on the dashboard is the sum
// of a column of one of them: orders.csv (GMV, orders, affiliate sales,
// refunds), commission.csv (the pending, approved, paid and reversed columns
// are each entry's effect on that bucket) and clicks.csv (clicks, valid).
// Money is a plain decimal in the currency of its row; times are in the
// dashboard's time zone; text that would run as a formula is neutralised
// (spreadsheet.Writer). The header row is in the reader's language (the
// English is the column names of the API's snake_case).

type exportKind int

const (
	exportOrders exportKind = iota
	exportEntries
	exportClicks
)

func (k exportKind) name() string {
	return [...]string{"orders", "commission", "clicks"}[k]
}

func (d *Dashboards) merchantExport(kind exportKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := auth.CurrentUser(c)
		_, zone, err := d.deps.Stats.MerchantShop(c.Request().Context(), user.ID)
		if err != nil {
			return err
		}
		return d.writeExport(c, kind, stats.Viewer{MerchantID: user.ID}, zone)
	}
}

func (d *Dashboards) influencerExport(kind exportKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := auth.CurrentUser(c)
		return d.writeExport(c, kind, stats.Viewer{InfluencerID: user.ID}, influencerZone(c))
	}
}

func (d *Dashboards) writeExport(c echo.Context, kind exportKind, v stats.Viewer, zone *time.Location) error {
	r, err := d.deps.Stats.Range(rangeInput(c), zone)
	if err != nil {
		return err
	}
	res := c.Response()
	filename := fmt.Sprintf("warna-%s-%s-to-%s.csv", kind.name(), r.FirstDay.Format("2006-01-02"), r.LastDay.Format("2006-01-02"))
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	res.Header().Set("Cache-Control", "no-store")
	res.WriteHeader(http.StatusOK)
	w := spreadsheet.NewWriter(res)
	ctx := c.Request().Context()
	local := func(t time.Time) string { return t.In(zone).Format("2006-01-02 15:04:05 -07:00") }
	switch kind {
	case exportOrders:
		err = d.writeOrdersCSV(c, w, v, r, local)
	case exportEntries:
		_ = w.Write([]string{
			site.T(c, "entry_id"), site.T(c, "created_at"), site.T(c, "kind"), site.T(c, "order_id"), site.T(c, "order_placed_at"),
			site.T(c, "line_id"), site.T(c, "influencer"), site.T(c, "currency"), site.T(c, "amount"), site.T(c, "rate_bps"),
			site.T(c, "payout_id"), site.T(c, "pending"), site.T(c, "approved"), site.T(c, "paid"), site.T(c, "reversed"),
		})
		err = d.deps.Stats.ExportEntries(ctx, v, r, func(e stats.EntryExportRow) error {
			p := func(m int64) string { return money.Plain(m, e.Currency) }
			return w.Write([]string{strconv.FormatInt(e.EntryID, 10), local(e.CreatedAt), string(e.Kind), strconv.FormatInt(e.OrderID, 10),
				local(e.OrderPlacedAt), idOrEmpty(e.LineID), e.Handle, e.Currency, p(e.AmountMinor), strconv.Itoa(e.RateBps),
				idOrEmpty(e.PayoutID), p(e.CommPending), p(e.CommApproved), p(e.CommPaid), p(e.CommReversed)})
		})
	case exportClicks:
		_ = w.Write([]string{
			site.T(c, "click_id"), site.T(c, "at"), site.T(c, "link_code"), site.T(c, "influencer"), site.T(c, "valid"),
			site.T(c, "reason"),
		})
		err = d.deps.Stats.ExportClicks(ctx, v, r, func(k stats.ClickExportRow) error {
			return w.Write([]string{k.ClickID, local(k.At), k.LinkCode, k.Handle, strconv.FormatBool(k.Valid), k.Reason})
		})
	}
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		// The header is sent: all that can be done is to log and cut the file short.
		d.logger.Error("csv export failed", "kind", kind.name(), "err", err)
	}
	return nil
}

func (d *Dashboards) writeOrdersCSV(c echo.Context, w *spreadsheet.Writer, v stats.Viewer, r stats.Range, local func(time.Time) string) error {
	_ = w.Write([]string{
		site.T(c, "order_id"), site.T(c, "external_id"), site.T(c, "placed_at"), site.T(c, "source"), site.T(c, "currency"),
		site.T(c, "total"), site.T(c, "refunded"), site.T(c, "attribution"), site.T(c, "influencer"), site.T(c, "link_code"),
		site.T(c, "click_id"), site.T(c, "first_order_of_click"), site.T(c, "commission"),
	})
	return d.deps.Stats.ExportOrders(c.Request().Context(), v, r, func(o stats.OrderExportRow) error {
		p := func(m int64) string { return money.Plain(m, o.Currency) }
		return w.Write([]string{strconv.FormatInt(o.OrderID, 10), o.ExternalID, local(o.PlacedAt), o.Source, o.Currency,
			p(o.TotalMinor), p(o.RefundedMinor), o.Outcome, o.Handle, o.LinkCode, o.ClickID, strconv.FormatBool(o.FirstForClick), p(o.CommissionMinor)})
	})
}

func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

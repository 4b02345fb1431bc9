package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
)

// demoShop is a demo merchant's shop and what it sells.
type demoShop struct {
	email, slug, name, description string
	shapes                         []demoShape
}

var demoShops = []demoShop{
	{"sari@demo.warna.test", "batik-sari", "Batik Sari", "Shirts, dresses and bags from Yogyakarta, in every colour of the market.",
		[]demoShape{shapeShirt, shapeDress, shapeBag}},
	{"kopi@demo.warna.test", "kopi-co", "Kopi & Co", "Mugs for your morning kopi and shoes for the walk to get it.",
		[]demoShape{shapeMug, shapeShoe}},
}

// demoColour is a known product colour: its name, hex and the family colour
// search should file it under.
type demoColour struct {
	name, hex, family string
}

// demoProducts lists, per shape, the colours drawn and the backdrop. The 40
// products cover all 13 colour families, on plain and on busy backgrounds.
var demoProducts = map[demoShape][]struct {
	colour demoColour
	bg     demoBackground
	title  string // an Indonesian listing's title, when not "Colour noun"
}{
	shapeShirt: {
		{demoColour{"red", "#C62828", "red"}, bgWhite, "Kemeja batik merah"}, {demoColour{"navy", "#1A237E", "blue"}, bgStripes, ""},
		{demoColour{"white", "#F7F7F5", "white"}, bgWarm, ""}, {demoColour{"black", "#1B1B1B", "black"}, bgWhite, "Kemeja linen hitam polos"},
		{demoColour{"sage green", "#7FA37A", "green"}, bgChecker, ""}, {demoColour{"mustard", "#E1AD01", "yellow"}, bgWhite, ""},
		{demoColour{"hot pink", "#EC407A", "pink"}, bgConfetti, ""}, {demoColour{"grey", "#8E8E8E", "gray"}, bgWhite, ""},
	},
	shapeDress: {
		{demoColour{"burgundy", "#800020", "red"}, bgWhite, "Gaun midi merah maroon"}, {demoColour{"teal", "#00897B", "teal"}, bgStripes, ""},
		{demoColour{"purple", "#6A1B9A", "purple"}, bgWhite, ""}, {demoColour{"beige", "#D9C4A0", "beige"}, bgWhite, ""},
		{demoColour{"blush pink", "#F4A7B9", "pink"}, bgWarm, ""}, {demoColour{"emerald", "#2E7D32", "green"}, bgConfetti, ""},
		{demoColour{"orange", "#EF6C00", "orange"}, bgWhite, ""}, {demoColour{"sky blue", "#4FA3E8", "blue"}, bgChecker, ""},
	},
	shapeBag: {
		{demoColour{"tan", "#A0703C", "brown"}, bgWhite, "Tas tote kanvas coklat"}, {demoColour{"black", "#1B1B1B", "black"}, bgStripes, ""},
		{demoColour{"cream", "#EFE6D2", "beige"}, bgWarm, ""}, {demoColour{"red", "#D32F2F", "red"}, bgWhite, ""},
		{demoColour{"olive", "#6B7A2A", "green"}, bgWhite, ""}, {demoColour{"lavender", "#9C7FD6", "purple"}, bgChecker, ""},
		{demoColour{"cobalt", "#1E4FC2", "blue"}, bgWhite, ""}, {demoColour{"yellow", "#FBC02D", "yellow"}, bgConfetti, ""},
	},
	shapeMug: {
		{demoColour{"white", "#F7F7F5", "white"}, bgWarm, "Cangkir keramik putih"}, {demoColour{"black", "#1B1B1B", "black"}, bgWhite, ""},
		{demoColour{"teal", "#00838F", "teal"}, bgWhite, ""}, {demoColour{"orange", "#F57C00", "orange"}, bgStripes, ""},
		{demoColour{"chocolate", "#5D4037", "brown"}, bgWhite, ""}, {demoColour{"pink", "#F06292", "pink"}, bgWhite, ""},
		{demoColour{"grey", "#9E9E9E", "gray"}, bgChecker, ""}, {demoColour{"lemon", "#FFEB3B", "yellow"}, bgWhite, ""},
	},
	shapeShoe: {
		{demoColour{"white", "#F5F5F5", "white"}, bgStripes, ""}, {demoColour{"red", "#C62828", "red"}, bgWhite, ""},
		{demoColour{"navy", "#1A237E", "blue"}, bgWhite, ""}, {demoColour{"brown", "#6D4C41", "brown"}, bgWarm, ""},
		{demoColour{"beige", "#D7C3A1", "beige"}, bgWhite, ""}, {demoColour{"green", "#388E3C", "green"}, bgConfetti, ""},
		{demoColour{"purple", "#7B1FA2", "purple"}, bgWhite, ""}, {demoColour{"grey", "#757575", "gray"}, bgWhite, ""},
	},
}

// demoNames are the product names and categories of each shape.
var demoNames = map[demoShape]struct {
	noun, category string
	basePrice      int64 // IDR
}{
	shapeShirt: {"linen shirt", "tops", 189000},
	shapeDress: {"midi dress", "dresses", 349000},
	shapeBag:   {"canvas tote bag", "bags", 159000},
	shapeMug:   {"ceramic mug", "home", 69000},
	shapeShoe:  {"canvas sneakers", "shoes", 299000},
}

// backdrops describe the demo backgrounds in product descriptions.
var backdrops = map[demoBackground]string{
	bgWhite: "a plain white backdrop", bgWarm: "a warm grey backdrop", bgStripes: "a striped backdrop",
	bgChecker: "a checked tablecloth", bgConfetti: "a confetti-print backdrop",
}

// seedDemoCatalog opens the demo shops and adds their products with drawn
// photos. Products are found by SKU, so running it again adds nothing.
func (a *App) seedDemoCatalog(ctx context.Context, out io.Writer) error {
	added := 0
	for _, ds := range demoShops {
		var owner auth.User
		if err := a.db.WithContext(ctx).Where("email = ?", ds.email).Take(&owner).Error; err != nil {
			return fmt.Errorf("demo shop %s: owner: %w", ds.slug, err)
		}
		if _, err := a.catalog.Shops.ShopOf(ctx, owner.ID); fault.Is(err, fault.NotFound) {
			_, err = a.catalog.Shops.CreateShop(ctx, owner.ID, catalog.ShopInput{
				Name: ds.name, Slug: ds.slug, Description: ds.description, Currency: "IDR", TimeZone: "Asia/Jakarta",
				DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: catalog.DefaultAttributionWindowDays,
			})
			if err != nil {
				return fmt.Errorf("demo shop %s: %w", ds.slug, err)
			}
		} else if err != nil {
			return err
		}
		for _, shape := range ds.shapes {
			for i, item := range demoProducts[shape] {
				n, err := a.seedDemoProduct(ctx, owner.ID, shape, i, item.colour, item.bg, item.title)
				if err != nil {
					return err
				}
				added += n
			}
		}
	}
	if added > 0 {
		fmt.Fprintf(out, "Demo catalogue: %d products added to %s and %s; photos are being processed.\n", added, demoShops[0].name, demoShops[1].name)
	}
	return nil
}

func (a *App) seedDemoProduct(ctx context.Context, ownerID int64, shape demoShape, i int, colour demoColour, bg demoBackground, title string) (int, error) {
	sku := fmt.Sprintf("DEMO-%s-%02d", strings.ToUpper(string(shape)), i+1)
	shop, err := catalog.ShopOfOwnerTx(ctx, a.db, ownerID)
	if err != nil {
		return 0, err
	}
	if _, err := catalog.ShopProductTx(ctx, a.db, shop.ID, 0, sku); err == nil {
		return 0, nil // seeded before
	} else if !fault.Is(err, fault.NotFound) {
		return 0, err
	}
	names := demoNames[shape]
	price := names.basePrice + int64(i)*10000
	if title == "" {
		title = strings.ToUpper(colour.name[:1]) + colour.name[1:] + " " + names.noun
	}
	p, err := a.catalog.Products.CreateProduct(ctx, ownerID, catalog.ProductInput{
		Title: title, SKU: sku, Category: names.category, PriceMinor: &price, Stock: 3 + (i*7)%20,
		Status: catalog.StatusActive, DeclaredColor: colour.name,
		Description: fmt.Sprintf("%s in %s, photographed on %s.", strings.ToUpper(names.noun[:1])+names.noun[1:], colour.name, backdrops[bg]),
	})
	if err != nil {
		return 0, fmt.Errorf("demo product %s: %w", sku, err)
	}
	photo, err := drawDemoPhoto(shape, colour.hex, bg, uint64(i+1))
	if err != nil {
		return 0, err
	}
	if _, err := a.catalog.Images.AddImage(ctx, ownerID, p.ID, bytes.NewReader(photo)); err != nil {
		return 0, fmt.Errorf("demo product %s photo: %w", sku, err)
	}
	return 1, nil
}

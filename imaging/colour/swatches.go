package colour

// swatches are the colours the families are painted with where a page names
// them (search chips, facets, storefront filters, the home page): a typical,
// clearly recognisable member of each family, not its average.
var swatches = map[Family]string{
	Black: "#1f1f1f", White: "#ffffff", Gray: "#8c8c8c", Red: "#d62d2d", Orange: "#f08a24",
	Yellow: "#f2c94c", Green: "#3aa655", Teal: "#1c9c9c", Blue: "#2f6fd6", Purple: "#7b4bc4",
	Pink: "#e86aa6", Brown: "#8a5a3b", Beige: "#e3d3b4",
}

// Swatch is the hex colour the family is shown with; "" for Multicolour and
// for names that are not a family.
func (f Family) Swatch() string { return swatches[f] }

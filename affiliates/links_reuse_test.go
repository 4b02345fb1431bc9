package affiliates

import "testing"

// TestSharingTwiceReusesTheLink: making a link to a target the influencer
// already has a working link to, with the same campaign, answers with that
// link; another campaign, another target or a disabled link makes a new one.
func TestSharingTwiceReusesTheLink(t *testing.T) {
	f := newFixture(t)
	first := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID, Campaign: "tiktok"})
	again := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID, Campaign: " tiktok "})
	if again.ID != first.ID || again.Code != first.Code || !again.Reused || first.Reused {
		t.Errorf("second share: link %d %q reused=%v, want the first, %d %q (first reused=%v)", again.ID, again.Code, again.Reused, first.ID, first.Code, first.Reused)
	}
	for name, in := range map[string]LinkInput{
		"another campaign": {Kind: TargetProduct, ProductID: f.products[0].ID, Campaign: "instagram"},
		"another product":  {Kind: TargetProduct, ProductID: f.products[1].ID, Campaign: "tiktok"},
		"the storefront":   {Kind: TargetStorefront, Campaign: "tiktok"},
	} {
		if l := f.link(in); l.ID == first.ID || l.Reused {
			t.Errorf("%s: got link %d reused=%v, want a new link", name, l.ID, l.Reused)
		}
	}
	if got := f.link(LinkInput{Kind: TargetStorefront, Campaign: "tiktok"}); !got.Reused {
		t.Errorf("the storefront again: a new link %d, want the one made above", got.ID)
	}
	if err := f.db.Model(&Link{}).Where("id = ?", first.ID).Update("disabled", true).Error; err != nil {
		t.Fatal(err)
	}
	if l := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID, Campaign: "tiktok"}); l.ID == first.ID || l.Reused {
		t.Errorf("after disabling the link: got %d reused=%v, want a new working link", l.ID, l.Reused)
	}
}

package app

import (
	"context"
	"fmt"
	"io"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
)

// DemoLogin is an account that --demo creates.
type DemoLogin struct {
	Role     auth.Role
	Name     string
	Email    string
	Password string
}

// DemoPassword is shared by every demo account; it is printed at start-up.
const DemoPassword = "warna-demo-2026"

// DemoLogins are the demo accounts.
var demoLogins = []DemoLogin{
	{auth.RoleMerchant, "Batik Sari", "sari@demo.warna.test", DemoPassword},
	{auth.RoleMerchant, "Kopi & Co", "kopi@demo.warna.test", DemoPassword},
	{auth.RoleInfluencer, "Rina Styles", "rina@demo.warna.test", DemoPassword},
	{auth.RoleInfluencer, "Dimas Daily", "dimas@demo.warna.test", DemoPassword},
	{auth.RoleShopper, "Ayu Lestari", "ayu@demo.warna.test", DemoPassword},
}

// SeedDemo creates the demo accounts once; running it again changes nothing.
// Their addresses (.test) receive no mail, so they are created confirmed.
func (a *App) SeedDemo(ctx context.Context, out io.Writer) error {
	recovery := auth.NewRecovery(a.db, a.now)
	for _, d := range demoLogins {
		user, err := a.auth.SignUp(ctx, auth.SignUpInput{Email: d.Email, Name: d.Name, Password: d.Password, Role: d.Role})
		if fault.Is(err, fault.Conflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", d.Email, err)
		}
		if _, token, err := recovery.IssueVerification(ctx, user.ID); err != nil {
			return fmt.Errorf("demo account %s: %w", d.Email, err)
		} else if _, err := recovery.Verify(ctx, token); err != nil {
			return fmt.Errorf("demo account %s: %w", d.Email, err)
		}
	}
	if err := a.seedDemoCatalog(ctx, out); err != nil {
		return err
	}
	if err := a.seedDemoAffiliates(ctx, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo accounts (password %q):\n", DemoPassword)
	for _, d := range demoLogins {
		fmt.Fprintf(out, "  %-10s %-24s %s\n", d.Role, d.Email, d.Name)
	}
	return nil
}

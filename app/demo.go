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
}

// SeedDemo creates the demo accounts once; running it again changes nothing.
func (a *App) SeedDemo(ctx context.Context, out io.Writer) error {
	for _, d := range demoLogins {
		_, err := a.auth.SignUp(ctx, auth.SignUpInput{Email: d.Email, Name: d.Name, Password: d.Password, Role: d.Role})
		if err != nil && !fault.Is(err, fault.Conflict) {
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

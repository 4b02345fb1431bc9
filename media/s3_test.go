package media

import "testing"

func TestParseS3URL(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"}
	getenv := func(k string) string { return env[k] }
	got, err := ParseS3URL("s3://photos?endpoint=127.0.0.1:8333&region=us-east-1&secure=false", getenv)
	if err != nil {
		t.Fatal(err)
	}
	want := S3Config{Bucket: "photos", Endpoint: "127.0.0.1:8333", Region: "us-east-1", AccessKey: "AK", SecretKey: "SK"}
	if got != want {
		t.Errorf("ParseS3URL = %+v, want %+v", got, want)
	}
	if got, _ := ParseS3URL("s3://photos", getenv); got.Endpoint != "s3.amazonaws.com" || !got.Secure {
		t.Errorf("defaults: %+v, want AWS over https", got)
	}
	for _, bad := range []string{"http://x", "s3://", "s3://b/prefix", "s3://b?secure=maybe", "s3://b?endpont=x"} {
		if _, err := ParseS3URL(bad, getenv); err == nil {
			t.Errorf("ParseS3URL(%q) accepted", bad)
		}
	}
	if _, err := ParseS3URL("s3://b", func(k string) string { return map[string]string{"AWS_ACCESS_KEY_ID": "x"}[k] }); err == nil {
		t.Error("an access key without its secret was accepted")
	}
}

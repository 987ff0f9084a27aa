import smtplib

SMTP_USER = "noreply@example.com"
SMTP_PASSWORD = "mail-Pa55word-2024!"


def send(to, body):
    with smtplib.SMTP_SSL("smtp.example.com", 465) as smtp:
        smtp.login(SMTP_USER, SMTP_PASSWORD)
        smtp.sendmail(SMTP_USER, [to], body)

from accounts.utils import generate_password


def reset_user(user):
    user.temp_password = generate_password()
    return user

import getpass

import pymysql


def main():
    password = getpass.getpass("MySQL password: ")
    conn = pymysql.connect(host="localhost", user="admin", password=password, database="sales")
    print(conn.get_server_info())


if __name__ == "__main__":
    main()
